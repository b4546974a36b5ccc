using Microsoft.Extensions.Logging;
using ProxyKit.Relay.Diagnostics;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tunnels;

namespace ProxyKit.Relay.Listeners;

/// <summary>What every connection of one listener shares.</summary>
internal sealed class ListenerContext(
    RelayListenerOptions options,
    IOutboundConnector connector,
    IDnsResolver dns,
    RelayCounters counters,
    TimeProvider timeProvider,
    ILogger logger)
{
    public RelayListenerOptions Options { get; } = options;

    public IOutboundConnector Connector { get; } = connector;

    public IDnsResolver Dns { get; } = dns;

    public OutboundSettings Outbound { get; } = new(options.Egress, options.Destinations, options.ConnectTimeout);

    public RelayCounters Counters { get; } = counters;

    public BandwidthLimiter? Limiter { get; } = options.BandwidthLimitBytesPerSecond is { } rate ? new BandwidthLimiter(rate, timeProvider) : null;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public ILogger Logger { get; } = logger;

    public static RelayFailureReason ReasonFor(OutboundError error) => error switch
    {
        OutboundError.DestinationDenied or OutboundError.AddressTypeNotAllowed => RelayFailureReason.NotAllowed,
        OutboundError.NameNotResolved => RelayFailureReason.NameNotResolved,
        OutboundError.NetworkUnreachable or OutboundError.HostUnreachable or OutboundError.ConnectionRefused => RelayFailureReason.Unreachable,
        OutboundError.TimedOut => RelayFailureReason.ConnectTimeout,
        _ => RelayFailureReason.UpstreamError,
    };
}
