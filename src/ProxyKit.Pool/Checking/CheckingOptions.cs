namespace ProxyKit.Pool.Checking;

/// <summary>Options of proxy checking (section <c>ProxyKit:Pool:Checking</c>).</summary>
public sealed class CheckingOptions
{
    /// <summary>
    /// Gets or sets how long one checker may take for one proxy; the runner cancels it after that and records a failed
    /// check "timed out after N ms". Defaults to 10 seconds. Allowed: 50 ms to 5 minutes.
    /// </summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how many proxies may be checked at once in this process (each holds one or two sockets). Defaults to
    /// 1000. Allowed: 1 to 100000.
    /// </summary>
    public int MaxConcurrentChecks { get; set; } = 1000;

    /// <summary>
    /// Gets or sets the anonymity judges: absolute <c>http://</c> URLs of servers that echo the request they receive as
    /// JSON (see <see cref="AnonymityJudge"/>; the sample server serves one at <c>GET /judge</c>). The first judge is
    /// also the destination of the protocol handshake. Defaults to none: then <c>http_anonymity</c> is skipped and the
    /// handshake checks only what needs no destination (SOCKS5 greeting and authentication); HTTP and SOCKS4 proxies
    /// are checked only up to the TCP connect. Judges see the proxies' traffic: run your own.
    /// </summary>
    public IList<string> JudgeUrls { get; set; } = [];

    /// <summary>
    /// Gets or sets this host's public addresses (IPv4 or IPv6 literals). A proxy that shows one of them to a judge
    /// (in a forwarded header or as the exit address) is <c>transparent</c>. The address a judge sees for a direct
    /// request is added automatically. Defaults to none.
    /// </summary>
    public IList<string> OwnAddresses { get; set; } = [];

    /// <summary>
    /// Gets or sets a CSV file of IP ranges (<c>start,end,country</c> per line; IPv4 or IPv6; <c>#</c> comments) used
    /// to find a proxy's country when its source gives none. Defaults to none (no country lookup; none is built in).
    /// </summary>
    public string? GeoDatabasePath { get; set; }

    /// <summary>
    /// Gets or sets the largest judge answer read through a proxy, in bytes; a larger answer fails the check. Defaults
    /// to 65536. Allowed: 1024 to 4194304.
    /// </summary>
    public int MaxJudgeBodyBytes { get; set; } = 64 * 1024;
}
