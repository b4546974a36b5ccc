using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.Windows;
using ProxyKit.Windows.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.Windows.</summary>
public static class WindowsServiceCollectionExtensions
{
    /// <summary>Adds ProxyKit.Windows with options validated at start. Safe to call more than once.</summary>
    public static IWindowsBuilder AddProxyKitWindows(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<WindowsOptions, WindowsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        return new WindowsBuilder(services);
    }

    /// <summary>Adds ProxyKit.Windows with options configured in code.</summary>
    public static IWindowsBuilder AddProxyKitWindows(this IServiceCollection services, Action<WindowsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitWindows();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.Windows with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IWindowsBuilder AddProxyKitWindows(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitWindows();
        services.AddOptions<WindowsOptions>().BindStrict(section);
        return builder;
    }
}
