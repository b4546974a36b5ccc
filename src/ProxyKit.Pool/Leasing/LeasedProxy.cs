namespace ProxyKit.Pool.Leasing;

/// <summary>The proxy a lease grants, with its credentials when it has any (a lease is how a user gets them).</summary>
/// <param name="ProxyId">The proxy's id in the pool.</param>
/// <param name="Ip">Its address.</param>
/// <param name="Port">Its port.</param>
/// <param name="Protocol">Its protocol.</param>
/// <param name="Country">Its country code, when known.</param>
/// <param name="Anonymity">Its anonymity level, when known.</param>
/// <param name="Username">The user name to authenticate with, for proxies with credentials.</param>
/// <param name="Password">The password to authenticate with, for proxies with credentials (never in <see cref="ToString"/>).</param>
public sealed record LeasedProxy(string ProxyId, string Ip, int Port, string Protocol, string? Country, string? Anonymity, string? Username, string? Password)
{
    /// <summary>Gets whether the proxy needs credentials.</summary>
    public bool HasCredentials => Username is not null || Password is not null;

    /// <summary>Describes the proxy without its password.</summary>
    public override string ToString() => $"{Protocol}://{(Username is null ? string.Empty : Username + ":***@")}{Ip}:{Port}";
}
