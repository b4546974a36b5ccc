namespace ProxyKit.Pool.Sessions;

/// <summary>A session bound to a proxy (the cookie unsealed for display; stored only hashed and encrypted).</summary>
/// <param name="Id">The session's id.</param>
/// <param name="ProxyId">The proxy the session goes out through.</param>
/// <param name="Session">The session cookie.</param>
/// <param name="Status"><c>active</c> or <c>disabled</c>.</param>
/// <param name="CreatedAt">When the session was bound.</param>
public sealed record ProxySession(long Id, long ProxyId, string Session, string Status, DateTimeOffset CreatedAt);
