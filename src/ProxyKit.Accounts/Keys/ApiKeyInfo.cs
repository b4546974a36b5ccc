namespace ProxyKit.Accounts.Keys;

/// <summary>A key as listed to its owner (<c>GET /auth/keys</c>): metadata only, never the key or its hash.</summary>
/// <param name="Id">The key id.</param>
/// <param name="Prefix">The first 8 characters of the key (<c>pp_a1b2c</c>).</param>
/// <param name="Label">The key's label.</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="LastUsedAt">When it last authenticated a request, to within a minute; <see langword="null"/> when never.</param>
/// <param name="RevokedAt">When it was revoked; <see langword="null"/> while it is active.</param>
public sealed record ApiKeyInfo(string Id, string Prefix, string Label, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>Gets whether the key still authenticates.</summary>
    public bool IsActive => RevokedAt is null;
}
