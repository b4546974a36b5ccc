using System.Globalization;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Internal;
using ProxyKit.Secrets;

namespace ProxyKit.Pool.Proxies;

/// <summary>Reads the pool: filtered, sorted keyset pages (<c>GET /proxies</c>), one proxy with its checks, and statistics.</summary>
public sealed class ProxyPoolService
{
    /// <summary>The largest page a query may ask for.</summary>
    public const int MaxLimit = 200;

    private const int RecentChecks = 20;
    private static readonly string[] Statuses = ["active", "dead", "unchecked"];
    private static readonly string[] Protocols = ["http", "https", "socks4", "socks5"];
    private static readonly string[] Anonymities = ["transparent", "anonymous", "elite"];

    private readonly ProxyStore _store;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _timeProvider;
    private readonly IOptions<PoolOptions> _options;

    internal ProxyPoolService(ProxyStore store, SecretProtector protector, TimeProvider timeProvider, IOptions<PoolOptions> options)
    {
        _store = store;
        _protector = protector;
        _timeProvider = timeProvider;
        _options = options;
    }

    /// <summary>
    /// Reads one page. A listing is a consistent snapshot: pages after the first are read as of the instant the first was
    /// (proxies whose state changed since are placed where they were, proxies found since are left out), so no proxy appears
    /// twice or is skipped while checks update scores. Cursors last <see cref="Scraping.ScrapingOptions.CursorLifetime"/>.
    /// </summary>
    public async Task<ProxyKitResult<ProxyPage>> QueryAsync(ProxyQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Normalize(query, out var normalized) is { } invalid)
        {
            return ProxyKitResult.Failure<ProxyPage>(invalid);
        }

        var fingerprint = PageCursor.Fingerprint(Canonical(normalized));
        var now = _timeProvider.GetUtcNow();
        PageCursor? cursor = null;
        if (normalized.Cursor is not null)
        {
            cursor = PageCursor.TryDecode(normalized.Cursor, _protector);
            if (cursor is null || cursor.QueryFingerprint != fingerprint)
            {
                return ProxyKitResult.Failure<ProxyPage>(PoolErrorCodes.InvalidCursor,
                    "The cursor was altered or belongs to another query (the filters and sort must stay the same across pages).", Field("cursor"));
            }

            if (now - cursor.SnapshotAt > _options.Value.Scraping.CursorLifetime)
            {
                return ProxyKitResult.Failure<ProxyPage>(PoolErrorCodes.InvalidCursor, "The cursor expired; start again from the first page.", Field("cursor"));
            }
        }

        return ProxyKitResult.Success(await _store.QueryAsync(normalized, fingerprint, cursor, now, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Gets one proxy with its most recent checks, or <see langword="null"/>.</summary>
    public Task<PoolProxyDetails?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Guid.TryParseExact(id, "D", out _) ? _store.GetAsync(id, RecentChecks, cancellationToken) : Task.FromResult<PoolProxyDetails?>(null);

    /// <summary>Counts by status, protocol and anonymity, averages, and source totals.</summary>
    public Task<PoolStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default) => _store.GetStatisticsAsync(cancellationToken);

    private static ProxyKitError? Normalize(ProxyQuery query, out ProxyQuery normalized)
    {
        normalized = query with
        {
            Status = query.Status?.Trim().ToLowerInvariant(),
            Protocol = query.Protocol?.Trim().ToLowerInvariant(),
            Anonymity = query.Anonymity?.Trim().ToLowerInvariant(),
            Country = query.Country?.Trim().ToUpperInvariant(),
        };
        if (normalized.Status is { } status && !Statuses.Contains(status))
        {
            return Invalid("status", "status must be active, dead or unchecked.");
        }

        if (normalized.Protocol is { } protocol && !Protocols.Contains(protocol))
        {
            return Invalid("protocol", "protocol must be http, https, socks4 or socks5.");
        }

        if (normalized.Anonymity is { } anonymity && !Anonymities.Contains(anonymity))
        {
            return Invalid("anonymity", "anonymity must be transparent, anonymous or elite.");
        }

        if (normalized.Country is { } country && (country.Length != 2 || !char.IsAsciiLetterUpper(country[0]) || !char.IsAsciiLetterUpper(country[1])))
        {
            return Invalid("country", "country must be an ISO 3166-1 alpha-2 code such as US.");
        }

        if (normalized.MinScore is { } minScore && (double.IsNaN(minScore) || minScore < 0 || minScore > 1))
        {
            return Invalid("min_score", "min_score must be between 0.0 and 1.0.");
        }

        if (normalized.MaxLatencyMs is { } maxLatency && (double.IsNaN(maxLatency) || maxLatency < 0))
        {
            return Invalid("max_latency_ms", "max_latency_ms must be zero or more.");
        }

        if (normalized.MinUptimePct is { } minUptime && (double.IsNaN(minUptime) || minUptime < 0 || minUptime > 100))
        {
            return Invalid("min_uptime_pct", "min_uptime_pct must be between 0 and 100.");
        }

        if (normalized.VerifiedWithinMinutes is { } minutes && (minutes < 1 || minutes > 525_600))
        {
            return Invalid("verified_within_minutes", "verified_within_minutes must be between 1 and 525600.");
        }

        if (normalized.Limit is < 1 or > MaxLimit)
        {
            return Invalid("limit", $"limit must be between 1 and {MaxLimit}.");
        }

        return null;
    }

    private static string Canonical(ProxyQuery q) => string.Create(CultureInfo.InvariantCulture,
        $"proxies|{q.Status}|{q.Protocol}|{q.Anonymity}|{q.Country}|{q.MinScore:R}|{q.MaxLatencyMs:R}|{q.MinUptimePct:R}|{q.VerifiedWithinMinutes}|{q.Sort}|{q.Descending}");

    private static ProxyKitError Invalid(string field, string message) => new(PoolErrorCodes.InvalidRequest, message, Field(field));

    private static Dictionary<string, object?> Field(string name) => new() { ["field"] = name };
}
