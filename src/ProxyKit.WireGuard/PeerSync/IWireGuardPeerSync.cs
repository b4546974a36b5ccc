using System.Net;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.PeerSync;

/// <summary>
/// Applies peers to a WireGuard server interface without restarting it, and reads back what the interface knows about
/// them (handshakes, traffic). Implementations: the userspace control socket (UAPI), the <c>wg</c> command, in memory.
/// </summary>
public interface IWireGuardPeerSync
{
    /// <summary>Sets the interface's private key and listen port. The interface must exist.</summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist or refused the change.</exception>
    Task ConfigureInterfaceAsync(string interfaceName, WireGuardPrivateKey privateKey, int listenPort, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the interface's own settings: the public key of its private key (<see langword="null"/> when it has none,
    /// as after a restart) and its listen port (0 when none). Lets a reconciler notice an interface that lost its
    /// configuration and set it again, without disturbing one that has it.
    /// </summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist or could not be read.</exception>
    Task<WireGuardInterfaceStatus> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default);

    /// <summary>Reads every peer of the interface.</summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist or could not be read.</exception>
    Task<IReadOnlyList<WireGuardPeerStatus>> GetPeersAsync(string interfaceName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds or updates <paramref name="upsert"/> (each peer's allowed IPs are replaced by its own) and removes
    /// <paramref name="remove"/> (a key the interface does not have is not an error), in as few operations as the
    /// mechanism allows. Other peers are left alone.
    /// </summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist or refused the change.</exception>
    Task ApplyAsync(string interfaceName, IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove, CancellationToken cancellationToken = default);
}

/// <summary>An interface's own settings as it reports them.</summary>
/// <param name="PublicKey">The public key of its private key, or <see langword="null"/> when it has none.</param>
/// <param name="ListenPort">Its UDP listen port, or 0 when none is set.</param>
public sealed record WireGuardInterfaceStatus(WireGuardPublicKey? PublicKey, int ListenPort);

/// <summary>A peer as the server should have it.</summary>
/// <param name="PublicKey">The client's public key.</param>
/// <param name="AllowedIp">The client's tunnel address as a host route (for example <c>10.8.0.10/32</c>).</param>
public sealed record WireGuardPeer(WireGuardPublicKey PublicKey, IPNetwork AllowedIp);

/// <summary>A peer as the interface reports it.</summary>
/// <param name="PublicKey">The client's public key.</param>
/// <param name="AllowedIps">Its allowed IPs.</param>
/// <param name="LatestHandshake">When it last completed a handshake; <see langword="null"/> if never.</param>
/// <param name="ReceivedBytes">Bytes received from it.</param>
/// <param name="SentBytes">Bytes sent to it.</param>
/// <param name="Endpoint">Where its packets last came from, if known.</param>
public sealed record WireGuardPeerStatus(
    WireGuardPublicKey PublicKey, IReadOnlyList<IPNetwork> AllowedIps, DateTimeOffset? LatestHandshake, long ReceivedBytes, long SentBytes, IPEndPoint? Endpoint);

/// <summary>A WireGuard interface is missing, unreachable or refused a change.</summary>
public sealed class WireGuardInterfaceException : ProxyKitException
{
    /// <summary>Creates the exception.</summary>
    public WireGuardInterfaceException(string interfaceName, string message, Exception? innerException = null)
        : base(message, innerException, isTransient: true) => InterfaceName = interfaceName;

    /// <summary>Gets the interface concerned.</summary>
    public string InterfaceName { get; }
}
