using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Egress;

/// <summary>
/// Which destinations a listener may reach. By default an open relay must not reach the host's own services
/// or its private networks, nor send mail: loopback, link-local, unique-local, private (RFC 1918, CGNAT),
/// unspecified and multicast addresses are denied, and so is port 25.
/// </summary>
public sealed class DestinationPolicy
{
    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    /// <summary>Gets or sets whether loopback, link-local, unique-local and private destinations are allowed. Defaults to <see langword="false"/>.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Gets networks that are allowed even though they are not public (an allow-list, e.g. <c>::1/128</c> for local tests).</summary>
    public IList<IPNetwork> AllowedNetworks { get; } = [];

    /// <summary>Gets the destination ports that are always refused. Defaults to { 25 } (no mail from a relay).</summary>
    public ISet<int> DeniedPorts { get; } = new HashSet<int> { 25 };

    /// <summary>Gets whether a connection to <paramref name="address"/>:<paramref name="port"/> is allowed.</summary>
    public bool IsAllowed(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (DeniedPorts.Contains(port))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (AllowPrivateNetworks || AllowedNetworks.Any(n => n.Contains(address)))
        {
            return true;
        }

        return !NonPublic.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address))
            && !(address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv6SiteLocal);
    }
}
