namespace ProxyKit.Pool.Sessions;

/// <summary>A proxy bound to sessions, as stored (password and session cookies unsealed for display).</summary>
/// <param name="Id">The proxy's id.</param>
/// <param name="Ip">The proxy's address.</param>
/// <param name="Port">The proxy's port.</param>
/// <param name="Username">The user name the proxy asks for, if any.</param>
/// <param name="Password">The password the proxy asks for, if any (stored encrypted).</param>
/// <param name="Status"><c>active</c> or <c>disabled</c>.</param>
/// <param name="TotalRequests">Requests made through the proxy.</param>
/// <param name="FailedRequests">Requests through the proxy that failed.</param>
/// <param name="ErrorCount">Consecutive failed requests.</param>
/// <param name="CreatedAt">When the proxy was added.</param>
/// <param name="UpdatedAt">When the proxy last changed.</param>
/// <param name="LastUsedAt">When a request last went through the proxy, if ever.</param>
/// <param name="Sessions">The proxy's sessions, oldest first.</param>
internal sealed record SessionProxy(
    long Id,
    string Ip,
    int Port,
    string? Username,
    string? Password,
    string Status,
    long TotalRequests,
    long FailedRequests,
    int ErrorCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<ProxySession> Sessions)
{
    /// <summary>Gets whether the proxy is in rotation.</summary>
    public bool IsActive => Status == SessionProxyStatus.Active;
}
