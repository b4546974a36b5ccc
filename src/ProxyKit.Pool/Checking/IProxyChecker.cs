using System.Net;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// A checker plugin: one small test of a proxy. Proxies go through the stages in ascending order, cheapest first, and a
/// failed stage stops them; within a stage checkers run by <see cref="Priority"/> (lower first). The runner owns
/// timeouts, concurrency and recording: a checker only checks. Register with <c>AddChecker&lt;T&gt;()</c>.
/// </summary>
public interface IProxyChecker
{
    /// <summary>Gets the unique name (shown in <c>recent_checks</c> and <c>GET /stats/plugins</c>), e.g. <c>tcp_connect</c>.</summary>
    string Name { get; }

    /// <summary>Gets the stage (1 = cheapest).</summary>
    int Stage { get; }

    /// <summary>Gets the order within the stage (lower runs first).</summary>
    int Priority { get; }

    /// <summary>Checks the proxy. Expected failures (refused, timed out, wrong answer) are a failed result, not an exception.</summary>
    ValueTask<ProxyCheckResult> CheckAsync(ProxyCheckContext context, CancellationToken cancellationToken);
}

/// <summary>The proxy under check and what earlier stages found.</summary>
public sealed class ProxyCheckContext
{
    /// <summary>Creates a context.</summary>
    public ProxyCheckContext(IPEndPoint endPoint, string protocol, string? username, string? password, TimeSpan timeout)
    {
        EndPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
        Protocol = protocol ?? throw new ArgumentNullException(nameof(protocol));
        Username = username;
        Password = password;
        Timeout = timeout;
    }

    /// <summary>Gets the proxy's address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Gets the protocol the proxy claims: <c>http</c>, <c>https</c>, <c>socks4</c> or <c>socks5</c>.</summary>
    public string Protocol { get; }

    /// <summary>Gets the username, when the proxy needs credentials.</summary>
    public string? Username { get; }

    /// <summary>Gets the password, when the proxy needs credentials.</summary>
    public string? Password { get; }

    /// <summary>Gets the time one checker may take (the runner also cancels the token after it).</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Gets what earlier checkers found (exit IP, anonymity, country, confirmed protocol); later findings win.</summary>
    public ProxyFindings Findings { get; } = new();
}

/// <summary>What checks found out about a proxy beyond pass or fail.</summary>
public sealed class ProxyFindings
{
    /// <summary>Gets or sets whether the claimed protocol was confirmed by a handshake.</summary>
    public bool? ProtocolConfirmed { get; set; }

    /// <summary>Gets or sets the address targets see.</summary>
    public IPAddress? ExitIp { get; set; }

    /// <summary>Gets or sets <c>transparent</c>, <c>anonymous</c> or <c>elite</c>.</summary>
    public string? Anonymity { get; set; }

    /// <summary>Gets or sets the ISO 3166-1 alpha-2 country of the exit.</summary>
    public string? Country { get; set; }
}

/// <summary>One checker's verdict.</summary>
/// <param name="Passed">Whether the proxy passed.</param>
/// <param name="Latency">How long the check took, when measured.</param>
/// <param name="Detail">A short human description (no secrets), e.g. <c>TCP connect OK</c> or <c>refused</c>.</param>
public sealed record ProxyCheckResult(bool Passed, TimeSpan? Latency, string Detail)
{
    /// <summary>A pass.</summary>
    public static ProxyCheckResult Pass(TimeSpan? latency, string detail) => new(true, latency, detail);

    /// <summary>A failure.</summary>
    public static ProxyCheckResult Fail(string detail, TimeSpan? latency = null) => new(false, latency, detail);

    /// <summary>
    /// No verdict: the check could not be made for a reason that is not the proxy's (its judge is down). The round stops
    /// and the proxy's record is left as it was, to be checked again soon.
    /// </summary>
    public static ProxyCheckResult Inconclusive(string detail) => new(false, null, detail) { IsInconclusive = true };

    /// <summary>Gets whether this result says nothing about the proxy (see <see cref="Inconclusive"/>).</summary>
    public bool IsInconclusive { get; init; }
}
