using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.Relay;
using ProxyKit.Relay.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.Relay.</summary>
public static class RelayServiceCollectionExtensions
{
    /// <summary>Adds ProxyKit.Relay with options validated at start. Safe to call more than once.</summary>
    public static IRelayBuilder AddProxyKitRelay(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<RelayOptions, RelayOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
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
