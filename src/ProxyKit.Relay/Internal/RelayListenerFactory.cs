using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Relay.Internal;

internal sealed class RelayListenerFactory(
    IOptions<RelayOptions> defaults,
    IOutboundConnector connector,
    IDnsResolver dns,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null) : IRelayListenerFactory
{
    public RelayListener Create(Action<RelayListenerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var host = defaults.Value;
        var options = new RelayListenerOptions
        {
            HandshakeTimeout = host.HandshakeTimeout,
            ConnectTimeout = host.ConnectTimeout,
            IdleTimeout = host.IdleTimeout,
            MaxHandshakeBytes = host.MaxHandshakeBytes,
        };
        configure(options);
        return new RelayListener(options, connector, dns, timeProvider, loggerFactory?.CreateLogger<RelayListener>() ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }
}
