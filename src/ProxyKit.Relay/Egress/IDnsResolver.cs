using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Egress;

/// <summary>Resolves target names. The default uses the system resolver with a short cache; tests plug in their own.</summary>
public interface IDnsResolver
{
    /// <summary>Resolves <paramref name="host"/> to addresses of <paramref name="family"/> (<see cref="AddressFamily.Unspecified"/>: both).</summary>
    /// <returns>The addresses, empty when the name exists but has none of that family or does not exist.</returns>
    ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken);
}
