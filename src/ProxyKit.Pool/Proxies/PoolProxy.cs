namespace ProxyKit.Pool.Proxies;

/// <summary>A proxy in the pool (seed 003's proxy object). Credentials are never part of it: a lease hands them out.</summary>
/// <param name="Id">The proxy id (a UUID).</param>
/// <param name="Ip">The address (dotted quad, or RFC 5952 IPv6).</param>
/// <param name="Port">The port.</param>
/// <param name="Protocol"><c>http</c>, <c>https</c>, <c>socks4</c> or <c>socks5</c>.</param>
/// <param name="Status"><c>unchecked</c>, <c>active</c> or <c>dead</c>.</param>
/// <param name="Anonymity"><c>transparent</c>, <c>anonymous</c>, <c>elite</c>, or <see langword="null"/> before a check tells.</param>
/// <param name="ExitIp">The address targets see, once checked.</param>
/// <param name="Country">ISO 3166-1 alpha-2 country of the exit, once known.</param>
/// <param name="Score">The composite score, 0 to 1 (0 until checked).</param>
/// <param name="AvgLatencyMs">The average check latency, or <see langword="null"/> before any.</param>
/// <param name="UptimePct">The share of checks passed, in percent, or <see langword="null"/> before any.</param>
/// <param name="LastCheckedAt">When it was last checked.</param>
/// <param name="FirstSeenAt">When a source first yielded it.</param>
/// <param name="Tags">Free-form labels.</param>
/// <param name="HasCredentials">Whether it needs a username and password.</param>
public sealed record PoolProxy(
    string Id,
    string Ip,
    int Port,
    string Protocol,
    string Status,
    string? Anonymity,
    string? ExitIp,
    string? Country,
    double Score,
    double? AvgLatencyMs,
    double? UptimePct,
    DateTimeOffset? LastCheckedAt,
    DateTimeOffset FirstSeenAt,
    IReadOnlyDictionary<string, string> Tags,
    bool HasCredentials);

/// <summary>One check of a proxy (the check history).</summary>
/// <param name="CheckerName">The checker plugin.</param>
/// <param name="Stage">Its stage.</param>
/// <param name="Passed">Whether the proxy passed.</param>
/// <param name="LatencyMs">How long the check took.</param>
/// <param name="Detail">What the checker reported.</param>
/// <param name="CreatedAt">When.</param>
public sealed record ProxyCheckRecord(string CheckerName, int Stage, bool Passed, double? LatencyMs, string? Detail, DateTimeOffset CreatedAt);

/// <summary>A proxy with its recent checks (<c>GET /proxies/{id}</c>).</summary>
/// <param name="Proxy">The proxy.</param>
/// <param name="RecentChecks">Its latest checks, newest first.</param>
public sealed record PoolProxyDetails(PoolProxy Proxy, IReadOnlyList<ProxyCheckRecord> RecentChecks);

/// <summary>A page of proxies.</summary>
/// <param name="Items">The proxies.</param>
/// <param name="NextCursor">The cursor of the next page, or <see langword="null"/> on the last.</param>
/// <param name="TotalCount">How many proxies match the query (counted when its first page was read).</param>
public sealed record ProxyPage(IReadOnlyList<PoolProxy> Items, string? NextCursor, long TotalCount);

/// <summary>What <c>GET /proxies</c> sorts by.</summary>
public enum ProxySortField
{
    /// <summary>The composite score.</summary>
    Score,

    /// <summary>The average latency (never measured counts as the slowest).</summary>
    Latency,

    /// <summary>The uptime (never measured counts as the lowest).</summary>
    Uptime,

    /// <summary>The last check (never checked counts as the oldest).</summary>
    LastChecked,
}

/// <summary>A proxy query (<c>GET /proxies</c>): every filter of seed 003's table; <see langword="null"/> means "any".</summary>
public sealed record ProxyQuery
{
    /// <summary>Gets the status: <c>active</c>, <c>dead</c> or <c>unchecked</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the protocol: <c>http</c>, <c>https</c>, <c>socks4</c> or <c>socks5</c>.</summary>
    public string? Protocol { get; init; }

    /// <summary>Gets the anonymity: <c>transparent</c>, <c>anonymous</c> or <c>elite</c>.</summary>
    public string? Anonymity { get; init; }

    /// <summary>Gets the ISO 3166-1 alpha-2 country code.</summary>
    public string? Country { get; init; }

    /// <summary>Gets the minimum score (0 to 1).</summary>
    public double? MinScore { get; init; }

    /// <summary>Gets the maximum average latency in milliseconds.</summary>
    public double? MaxLatencyMs { get; init; }

    /// <summary>Gets the minimum uptime percentage.</summary>
    public double? MinUptimePct { get; init; }

    /// <summary>Gets the window in minutes within which the proxy must have been checked.</summary>
    public int? VerifiedWithinMinutes { get; init; }

    /// <summary>Gets the sort field (default score).</summary>
    public ProxySortField Sort { get; init; } = ProxySortField.Score;

    /// <summary>Gets whether to sort descending; <see langword="null"/> for the field's natural order (score, uptime and last check descending, latency ascending).</summary>
    public bool? Descending { get; init; }

    /// <summary>Gets the page size, 1 to 200 (default 50).</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Gets the cursor of the page to read (from the previous page's <see cref="ProxyPage.NextCursor"/>).</summary>
    public string? Cursor { get; init; }
}
