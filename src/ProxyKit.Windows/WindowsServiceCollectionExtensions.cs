using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Configuration;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Instances;
using ProxyKit.Windows;
using ProxyKit.Windows.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.Windows.</summary>
public static class WindowsServiceCollectionExtensions
{
    /// <summary>
    /// Adds ProxyKit.Windows with options validated at start. Safe to call more than once. On Windows it registers
    /// <see cref="WindowsAddressAssigner"/> as the <see cref="IAddressAssigner"/> — call it before
    /// <c>AddRelayInstances()</c>, whose own default then stands aside — and, when
    /// <see cref="WindowsOptions.ManageFirewallRule"/> is on, a hosted service that adds the outbound firewall rule once at
    /// start. On other operating systems only the options are registered, so Relay keeps its own assigner.
    /// </summary>
    public static IWindowsBuilder AddProxyKitWindows(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<WindowsOptions, WindowsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        if (OperatingSystem.IsWindows())
        {
            AddWindowsServices(services);
        }

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

    [SupportedOSPlatform("windows")]
    internal static void AddWindowsServices(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => new WindowsAddressAssigner(
            sp.GetRequiredService<IOptions<WindowsOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<WindowsAddressAssigner>>()));
        services.TryAddSingleton<IAddressAssigner>(static sp => sp.GetRequiredService<WindowsAddressAssigner>());
        services.TryAddSingleton<IWindowsFirewall, PowerShellWindowsFirewall>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FirewallRuleHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostCheckProvider, FirewallHostCheckProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RelayInstanceOptions>, InstanceAddressLifetimeValidator>());
    }
}
