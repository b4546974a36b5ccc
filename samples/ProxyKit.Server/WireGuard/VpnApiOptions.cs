using System.Net;

namespace ProxyKit.Server.WireGuard;

/// <summary>The sample server's seed 004 API settings (section <c>ProxyKit:Server:VpnApi</c>).</summary>
internal sealed class VpnApiOptions
{
    public const string SectionName = "ProxyKit:Server:VpnApi";

    /// <summary>
    /// Gets or sets a key every <c>/vpn_api</c> call must present (<c>Authorization: Bearer</c> or <c>X-API-Key</c>); none,
    /// as in the seed, leaves the API open (then a public key is what authorises its release, so status never lists them).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets the proxies (IP addresses) whose <c>X-Forwarded-For</c> names the client; from anyone else it is ignored.</summary>
    public IList<string> TrustedProxies { get; } = [];

    internal IReadOnlyList<IPAddress> TrustedAddresses() => [.. TrustedProxies.Select(IPAddress.Parse)];
}
