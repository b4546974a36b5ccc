using System.Net.Sockets;

namespace ProxyKit.Relay.Egress;

/// <summary>Opens upstream connections bound to a listener's egress address, under its address-family and destination policies.</summary>
public interface IOutboundConnector
{
    /// <summary>Connects to <paramref name="target"/>; every address of a name is tried in turn (staggered) before failing.</summary>
    ValueTask<OutboundConnection> ConnectAsync(RelayTarget target, OutboundSettings settings, CancellationToken cancellationToken);
}

/// <summary>The policies an upstream connection is made under.</summary>
/// <param name="Egress">Source address and address families.</param>
/// <param name="Destinations">Which destinations are allowed.</param>
/// <param name="ConnectTimeout">The time allowed for resolving and connecting.</param>
public sealed record OutboundSettings(EgressOptions Egress, DestinationPolicy Destinations, TimeSpan ConnectTimeout);

/// <summary>The outcome of <see cref="IOutboundConnector.ConnectAsync"/>: a connected socket, or why there is none.</summary>
public readonly record struct OutboundConnection(Socket? Socket, OutboundError Error)
{
    /// <summary>Gets whether a socket was connected (and now belongs to the caller).</summary>
    public bool Succeeded => Socket is not null;
}
