using System.Net;

namespace ProxyKit.Relay.Addressing;

/// <summary>Implemented by assigners that can read an interface's own global IPv6 prefixes (used when none is configured).</summary>
public interface IInterfacePrefixDiscovery
{
    /// <summary>Lists the global IPv6 prefixes on <paramref name="interfaceName"/>.</summary>
    /// <exception cref="ProxyKitException">The interface does not exist or cannot be read.</exception>
    Task<IReadOnlyList<IPNetwork>> GetGlobalPrefixesAsync(string interfaceName, CancellationToken cancellationToken = default);
}
