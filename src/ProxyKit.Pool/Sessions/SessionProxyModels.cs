namespace ProxyKit.Pool.Sessions;

/// <summary>A proxy to add, with its first session (the seed's <c>POST /api/proxies</c> body).</summary>
public sealed record SessionProxyCreate
{
    /// <summary>Gets the proxy's IPv4 or IPv6 address.</summary>
    public string? Ip { get; init; }

    /// <summary>Gets the proxy's port, 1-65535.</summary>
    public int? Port { get; init; }

    /// <summary>Gets the user name the proxy asks for, if any.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the password the proxy asks for, if any.</summary>
    public string? Password { get; init; }

    /// <summary>Gets the session (cookie) that goes out through the proxy.</summary>
    public string? Session { get; init; }
}

/// <summary>The outcome of a request made through a proxy (<c>POST /api/proxies/{id}/report</c>).</summary>
public sealed record SessionProxyReport
{
    /// <summary>Gets whether the request succeeded.</summary>
    public bool? Success { get; init; }

    /// <summary>Gets how long the request took, in milliseconds.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Gets the target's HTTP status, if there was one; a blocking status (401, 403, 429) is a failure whatever <see cref="Success"/> says.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the ticket <c>next</c> handed out with the proxy, which frees its in-flight slot; without it the slot frees when it times out.</summary>
    public string? Ticket { get; init; }
}

/// <summary>How to reach a proxy.</summary>
/// <param name="Id">The proxy's id (report outcomes against it).</param>
/// <param name="Ip">The proxy's address.</param>
/// <param name="Port">The proxy's port.</param>
/// <param name="Username">The user name, if the proxy asks for one.</param>
/// <param name="Password">The password, if the proxy asks for one.</param>
public sealed record SessionProxyEndpoint(long Id, string Ip, int Port, string? Username, string? Password);

/// <summary>A proxy handed out by <c>next</c>: use it for one request, then report the outcome with the ticket.</summary>
/// <param name="Ticket">Identifies the in-flight request; pass it to the report.</param>
/// <param name="ExpiresAt">When the in-flight slot frees by itself if no report comes.</param>
/// <param name="Proxy">The proxy to use.</param>
/// <param name="Session">The session the request is for, when one was named.</param>
/// <param name="SessionBound">Whether the session was new and has just been bound to this proxy.</param>
/// <param name="State">The proxy's state (<see cref="SessionProxyState.Probation"/> after a cooldown).</param>
public sealed record SessionProxyTicket(
    string Ticket, DateTimeOffset ExpiresAt, SessionProxyEndpoint Proxy, ProxySession? Session, bool SessionBound, SessionProxyState State);

/// <summary>What a report did.</summary>
/// <param name="ProxyId">The proxy reported on.</param>
/// <param name="Failed">Whether the outcome counted as a failure (blocked statuses do).</param>
/// <param name="Blocked">Whether the target's status was a blocking one.</param>
/// <param name="ErrorCount">Consecutive failures after this report.</param>
/// <param name="CooldownUntil">When the proxy's cooldown ends, if this or an earlier report started one.</param>
/// <param name="CooldownStarted">Whether this report put the proxy into a cooldown.</param>
/// <param name="TicketReleased">Whether the ticket's in-flight slot was freed (false without a ticket, or when it had timed out).</param>
public sealed record SessionProxyReportResult(
    long ProxyId, bool Failed, bool Blocked, int ErrorCount, DateTimeOffset? CooldownUntil, bool CooldownStarted, bool TicketReleased);

/// <summary>Aggregated metrics of the session proxies (<c>GET /api/proxies/metrics</c>).</summary>
/// <param name="GeneratedAt">When the metrics were read.</param>
/// <param name="HealthWindow">The window the outcome figures cover.</param>
/// <param name="Proxies">Proxies in total.</param>
/// <param name="Available">Proxies taking requests (available or on probation).</param>
/// <param name="CoolingDown">Proxies in a cooldown.</param>
/// <param name="Disabled">Proxies disabled by an operator.</param>
/// <param name="Sessions">Sessions bound in total.</param>
/// <param name="TotalRequests">Requests reported since the proxies were added.</param>
/// <param name="FailedRequests">Of those, failed.</param>
/// <param name="BlockedRequests">Of those, blocked by the target.</param>
/// <param name="RequestsThisHour">Requests counted in the current clock hour.</param>
/// <param name="InFlight">Requests handed out and not yet reported.</param>
/// <param name="Window">Outcomes over the health window.</param>
/// <param name="PerProxy">Each proxy's figures, in id order.</param>
public sealed record SessionProxyMetrics(
    DateTimeOffset GeneratedAt,
    TimeSpan HealthWindow,
    int Proxies,
    int Available,
    int CoolingDown,
    int Disabled,
    int Sessions,
    long TotalRequests,
    long FailedRequests,
    long BlockedRequests,
    long RequestsThisHour,
    int InFlight,
    SessionProxyWindowMetrics Window,
    IReadOnlyList<SessionProxyMetricsEntry> PerProxy);

/// <summary>Outcomes over the health window.</summary>
/// <param name="Requests">Outcomes reported.</param>
/// <param name="Successes">Successful ones.</param>
/// <param name="Failures">Failed ones (blocked included).</param>
/// <param name="Blocked">Blocked by the target.</param>
/// <param name="SuccessRate">Successes per outcome, when there were any.</param>
/// <param name="AverageLatencyMs">Mean reported latency, when any was reported.</param>
public sealed record SessionProxyWindowMetrics(long Requests, long Successes, long Failures, long Blocked, double? SuccessRate, double? AverageLatencyMs);

/// <summary>One proxy's metrics.</summary>
/// <param name="Id">The proxy's id.</param>
/// <param name="Ip">The proxy's address.</param>
/// <param name="Port">The proxy's port.</param>
/// <param name="State">Where the proxy stands for rotation.</param>
/// <param name="Window">Its outcomes over the health window.</param>
/// <param name="Weight">Its rotation weight (relative preference among available proxies).</param>
/// <param name="InFlight">Its requests handed out and not yet reported.</param>
/// <param name="RequestsThisHour">Its requests in the current clock hour.</param>
/// <param name="ErrorCount">Its consecutive failures.</param>
/// <param name="CooldownUntil">When its cooldown ends, if it is in one.</param>
public sealed record SessionProxyMetricsEntry(
    long Id,
    string Ip,
    int Port,
    SessionProxyState State,
    SessionProxyWindowMetrics Window,
    double Weight,
    int InFlight,
    long RequestsThisHour,
    int ErrorCount,
    DateTimeOffset? CooldownUntil);
