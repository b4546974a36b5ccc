using System.Net;

namespace ProxyKit.Pool.Checking;

/// <summary>A proxy to check.</summary>
/// <param name="EndPoint">The proxy's address and port.</param>
/// <param name="Protocol">The protocol it claims: <c>http</c>, <c>https</c>, <c>socks4</c> or <c>socks5</c>.</param>
/// <param name="Username">The username, when it needs credentials.</param>
/// <param name="Password">The password, when it needs credentials.</param>
/// <param name="SourceCountry">The country its source gave, used instead of a geo lookup.</param>
public sealed record ProxyCheckTarget(IPEndPoint EndPoint, string Protocol, string? Username, string? Password, string? SourceCountry)
{
    /// <summary>Describes the target without its password.</summary>
    public override string ToString() => $"{Protocol}://{(Username is null ? "" : Username + ":***@")}{EndPoint}";
}
