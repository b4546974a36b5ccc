using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Fetching;
using ProxyKit.Pool.Proxies;
using ProxyKit.Secrets;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Probing;

/// <summary>A test of a URL through pool proxies (<c>POST /proxies/test</c>).</summary>
/// <param name="Url">An absolute http or https URL.</param>
/// <param name="Count">How many proxies to try, 1 to 50 (default 5).</param>
/// <param name="TimeoutSeconds">The time each request may take, 1 to 60 (default 10).</param>
/// <param name="Protocol">Only proxies of this protocol.</param>
/// <param name="Country">Only proxies exiting in this country.</param>
public sealed record ProxyProbeRequest(string Url, int Count = 5, int TimeoutSeconds = 10, string? Protocol = null, string? Country = null);

/// <summary>How one proxy fared.</summary>
/// <param name="ProxyId">The proxy.</param>
/// <param name="Ip">Its address.</param>
/// <param name="Port">Its port.</param>
/// <param name="Reachable">Whether the URL answered through it (any HTTP status).</param>
/// <param name="StatusCode">The HTTP status, when it answered.</param>
/// <param name="LatencyMs">Time to the response headers, when it answered.</param>
/// <param name="Error">Why it failed, when it did.</param>
public sealed record ProxyProbeResult(string ProxyId, string Ip, int Port, bool Reachable, int? StatusCode, long? LatencyMs, string? Error);

/// <summary>The outcome of a test.</summary>
/// <param name="Url">The URL tested.</param>
/// <param name="Results">One per proxy tried, best-scoring first.</param>
/// <param name="SuccessRate">The share of proxies through which the URL answered (0 when none was tried).</param>
public sealed record ProxyProbeReport(string Url, IReadOnlyList<ProxyProbeResult> Results, double SuccessRate);

/// <summary>
/// Fetches a URL through the best-scoring active proxies that match, concurrently. The URL must pass the same
/// destination guard as source fetching (no loopback, private or link-local targets unless
/// <see cref="SourceFetchOptions.AllowPrivateAddresses"/>): the pool must not become a way into the server's network.
/// </summary>
public sealed class ProxyProbeService
{
    private const int MaxCount = 50;
    private const int MaxTimeoutSeconds = 60;

    private readonly ProxyKitDatabase _database;
    private readonly SecretProtector _protector;
    private readonly IOptions<PoolOptions> _options;
    private readonly TimeProvider _timeProvider;

    internal ProxyProbeService(ProxyKitDatabase database, SecretProtector protector, IOptions<PoolOptions> options, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _database = database;
        _protector = protector;
        _options = options;
    }

    /// <summary>Runs the test; bad input or a refused destination is an <see cref="PoolErrorCodes.InvalidRequest"/> error.</summary>
    public async Task<ProxyKitResult<ProxyProbeReport>> TestAsync(ProxyProbeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return Invalid("url", "url must be an absolute http or https URL.");
        }

        if (request.Count is < 1 or > MaxCount)
        {
            return Invalid("count", $"count must be between 1 and {MaxCount}.");
        }

        if (request.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            return Invalid("timeout_seconds", $"timeout_seconds must be between 1 and {MaxTimeoutSeconds}.");
        }

        var protocol = request.Protocol?.Trim().ToLowerInvariant();
        if (protocol is not (null or "http" or "https" or "socks4" or "socks5"))
        {
            return Invalid("protocol", "protocol must be http, https, socks4 or socks5.");
        }

        var country = request.Country?.Trim().ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !char.IsAsciiLetterUpper(country[0]) || !char.IsAsciiLetterUpper(country[1])))
        {
            return Invalid("country", "country must be an ISO 3166-1 alpha-2 code such as US.");
        }

        if (!_options.Value.Fetch.AllowPrivateAddresses && await RefusedDestinationAsync(url, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            return Invalid("url", refusal);
        }

        var candidates = await BestActiveAsync(protocol, country, request.Count, cancellationToken).ConfigureAwait(false);
        var timeout = TimeSpan.FromSeconds(request.TimeoutSeconds);
        var results = await Task.WhenAll(candidates.Select(c => ProbeAsync(c, url, timeout, cancellationToken))).ConfigureAwait(false);
        var rate = results.Length == 0 ? 0 : Math.Round(results.Count(r => r.Reachable) / (double)results.Length, 4);
        return ProxyKitResult.Success(new ProxyProbeReport(url.ToString(), results, rate));
    }

    private async Task<ProxyProbeResult> ProbeAsync(Candidate candidate, Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var scheme = candidate.Protocol is "socks4" or "socks5" ? candidate.Protocol : "http";
        var host = candidate.Ip.Contains(':', StringComparison.Ordinal) ? $"[{candidate.Ip}]" : candidate.Ip;
        var proxy = new WebProxy(new Uri($"{scheme}://{host}:{candidate.Port}"));
        if (candidate.Username is not null)
        {
            proxy.Credentials = new NetworkCredential(candidate.Username, candidate.PasswordProtected is null
                ? string.Empty
                : _protector.Unprotect(ProxyStore.CredentialsPurpose, candidate.PasswordProtected));
        }

        using var handler = new SocketsHttpHandler { Proxy = proxy, UseProxy = true, UseCookies = false, AllowAutoRedirect = false, ConnectTimeout = timeout };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var timer = new CancellationTokenSource(timeout, _timeProvider);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var started = _timeProvider.GetTimestamp();
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            return new ProxyProbeResult(candidate.Id, candidate.Ip, candidate.Port, true, (int)response.StatusCode, (long)_timeProvider.GetElapsedTime(started).TotalMilliseconds, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(candidate, $"No response within {timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return Failed(candidate, Describe(ex));
        }
    }

    private static string Describe(HttpRequestException ex) => ex.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "Connection refused",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "Connection timed out",
        SocketException socket => $"Network error ({socket.SocketErrorCode})",
        _ when ex.HttpRequestError == HttpRequestError.ProxyTunnelError => "The proxy refused the tunnel",
        _ when ex.HttpRequestError == HttpRequestError.NameResolutionError => "The target's name did not resolve",
        _ => $"Request failed ({ex.HttpRequestError})",
    };

    private static ProxyProbeResult Failed(Candidate candidate, string error) => new(candidate.Id, candidate.Ip, candidate.Port, false, null, null, error);

    private static async Task<string?> RefusedDestinationAsync(Uri url, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(url.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return null; // the proxies resolve it themselves; an unknown name simply fails through them
        }

        return addresses.Any(AddressPolicy.IsInternal)
            ? "url points at a loopback, private or link-local address; tests through the pool may only target public addresses."
            : null;
    }

    private async Task<List<Candidate>> BestActiveAsync(string? protocol, string? country, int count, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT id, ip, port, protocol, username, password_protected FROM pool_proxies WHERE status = 'active'" +
                (protocol is null ? string.Empty : " AND protocol = @protocol") + (country is null ? string.Empty : " AND country = @country") +
                " ORDER BY score DESC, id DESC LIMIT @take", null).With("take", count);
            if (protocol is not null)
            {
                select.With("protocol", protocol);
            }

            if (country is not null)
            {
                select.With("country", country);
            }

            var candidates = new List<Candidate>(count);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    candidates.Add(new Candidate(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
                }
            }

            return candidates;
        }
    }

    private static ProxyKitResult<ProxyProbeReport> Invalid(string field, string message) =>
        ProxyKitResult.Failure<ProxyProbeReport>(PoolErrorCodes.InvalidRequest, message, new Dictionary<string, object?> { ["field"] = field });

    private sealed record Candidate(string Id, string Ip, int Port, string Protocol, string? Username, string? PasswordProtected);
}
