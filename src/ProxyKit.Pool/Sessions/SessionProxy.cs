namespace ProxyKit.Pool.Sessions;

/// <summary>A proxy bound to sessions, with its counters (password and session cookies unsealed for display).</summary>
/// <param name="Id">The proxy's id.</param>
/// <param name="Ip">The proxy's address.</param>
/// <param name="Port">The proxy's port.</param>
/// <param name="Username">The user name the proxy asks for, if any.</param>
/// <param name="Password">The password the proxy asks for, if any (stored encrypted).</param>
/// <param name="Status"><c>active</c> or <c>disabled</c> (set by an operator; cooldowns do not change it).</param>
/// <param name="TotalRequests">Requests reported through the proxy.</param>
/// <param name="FailedRequests">Reported requests that failed (blocked ones included).</param>
/// <param name="BlockedRequests">Reported requests the target answered with a blocking status (401, 403, 429 by default).</param>
/// <param name="RequestsThisHour">Requests handed out (or reported without a ticket) in the current clock hour, UTC.</param>
/// <param name="ErrorCount">Consecutive failed requests.</param>
/// <param name="CooldownUntil">When an automatic cooldown ends, if the proxy has been in one; it is skipped until then.</param>
/// <param name="CooldownLevel">Cooldowns in a row (each doubles the next); 0 once the proxy succeeds again.</param>
/// <param name="CreatedAt">When the proxy was added.</param>
/// <param name="UpdatedAt">When the proxy or its counters last changed.</param>
/// <param name="LastUsedAt">When the proxy was last handed out or reported on, if ever.</param>
/// <param name="Sessions">The proxy's sessions, oldest first.</param>
public sealed record SessionProxy(
    long Id,
    string Ip,
    int Port,
    string? Username,
    string? Password,
    string Status,
    long TotalRequests,
    long FailedRequests,
    long BlockedRequests,
    long RequestsThisHour,
    int ErrorCount,
    DateTimeOffset? CooldownUntil,
    int CooldownLevel,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<ProxySession> Sessions)
{
    /// <summary>Gets whether an operator has the proxy in rotation (the seed's <c>is_active</c>).</summary>
    public bool IsActive => Status == SessionProxyStatus.Active;
}
