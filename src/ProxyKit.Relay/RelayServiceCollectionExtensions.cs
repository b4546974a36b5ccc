using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using Microsoft.Extensions.Options;
using ProxyKit.Relay;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.Relay.</summary>
public static class RelayServiceCollectionExtensions
{
    /// <summary>
    /// Adds ProxyKit.Relay: <see cref="IRelayListenerFactory"/>, the default <see cref="IOutboundConnector"/> and
    /// <see cref="IDnsResolver"/> (replace either by registering your own first), with options validated at start.
    /// Safe to call more than once.
    /// </summary>
    public static IRelayBuilder AddProxyKitRelay(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<RelayOptions, RelayOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDnsResolver>(sp => new SystemDnsResolver(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<RelayOptions>>().Value.DnsCacheDuration));
        services.TryAddSingleton<IOutboundConnector, SocketOutboundConnector>();
        services.TryAddSingleton<IRelayListenerFactory, RelayListenerFactory>();
        return new RelayBuilder(services);
    }

    /// <summary>Adds ProxyKit.Relay with options configured in code.</summary>
    public static IRelayBuilder AddProxyKitRelay(this IServiceCollection services, Action<RelayOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitRelay();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.Relay with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IRelayBuilder AddProxyKitRelay(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitRelay();
        services.AddOptions<RelayOptions>().BindStrict(section);
        return builder;
    }
}
