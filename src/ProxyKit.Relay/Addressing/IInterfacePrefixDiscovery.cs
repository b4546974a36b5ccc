using System.Net;

namespace ProxyKit.Relay.Addressing;

/// <summary>Implemented by assigners that can read an interface's addresses: its global prefixes (used when none is configured) and the addresses they assigned.</summary>
public interface IInterfacePrefixDiscovery
{
    /// <summary>Lists the global IPv6 prefixes on <paramref name="interfaceName"/>.</summary>
    /// <exception cref="ProxyKitException">The interface does not exist or cannot be read.</exception>
    Task<IReadOnlyList<IPNetwork>> GetGlobalPrefixesAsync(string interfaceName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the single addresses (<c>/128</c>) this kind of assigner leaves on <paramref name="interfaceName"/>, so
    /// addresses orphaned by a crash can be found and removed at start.
    /// </summary>
    Task<IReadOnlyList<IPAddress>> GetAssignedAddressesAsync(string interfaceName, CancellationToken cancellationToken = default);
}
