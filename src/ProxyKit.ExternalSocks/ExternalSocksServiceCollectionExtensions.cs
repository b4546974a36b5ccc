using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.ExternalSocks;
using ProxyKit.ExternalSocks.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.ExternalSocks.</summary>
public static class ExternalSocksServiceCollectionExtensions
{
    /// <summary>Adds ProxyKit.ExternalSocks with options validated at start. Safe to call more than once.</summary>
    public static IExternalSocksBuilder AddProxyKitExternalSocks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<ExternalSocksOptions, ExternalSocksOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        return new ExternalSocksBuilder(services);
    }

    /// <summary>Adds ProxyKit.ExternalSocks with options configured in code.</summary>
    public static IExternalSocksBuilder AddProxyKitExternalSocks(this IServiceCollection services, Action<ExternalSocksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitExternalSocks();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.ExternalSocks with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IExternalSocksBuilder AddProxyKitExternalSocks(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitExternalSocks();
        services.AddOptions<ExternalSocksOptions>().BindStrict(section);
        return builder;
    }
}
