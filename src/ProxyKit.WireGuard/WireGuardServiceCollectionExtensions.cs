using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.WireGuard;
using ProxyKit.WireGuard.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.WireGuard.</summary>
public static class WireGuardServiceCollectionExtensions
{
    /// <summary>Adds ProxyKit.WireGuard with options validated at start. Safe to call more than once.</summary>
    public static IWireGuardBuilder AddProxyKitWireGuard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<WireGuardOptions, WireGuardOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        return new WireGuardBuilder(services);
    }

    /// <summary>Adds ProxyKit.WireGuard with options configured in code.</summary>
    public static IWireGuardBuilder AddProxyKitWireGuard(this IServiceCollection services, Action<WireGuardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitWireGuard();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.WireGuard with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IWireGuardBuilder AddProxyKitWireGuard(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitWireGuard();
        services.AddOptions<WireGuardOptions>().BindStrict(section);
        return builder;
    }
}
