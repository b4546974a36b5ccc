using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Configuration;
using ProxyKit.Relay.Addressing;

namespace ProxyKit.Relay.Instances;

/// <summary>Adds proxy instances (seed 000): needs ProxyKit storage (<c>AddProxyKitStorage().UseSqlite()/UsePostgres()</c>).</summary>
public static class RelayInstancesRelayBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="RelayInstanceManager"/>, the address allocator, and a hosted service that restores instances at
    /// start and reaps expired ones. The <see cref="IAddressAssigner"/> defaults to <see cref="LinuxIpCommandAssigner"/> on
    /// Linux (register another before calling this to change it; ProxyKit.Windows brings the Windows one).
    /// </summary>
    public static IRelayBuilder AddRelayInstances(this IRelayBuilder builder, Action<RelayInstanceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        builder.AddAddressAllocator();
        services.AddProxyKitOptions<RelayInstanceOptions, RelayInstanceOptionsValidator>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (OperatingSystem.IsLinux())
        {
            services.TryAddSingleton<IAddressAssigner>(CreateLinuxAssigner);
        }

        services.TryAddSingleton<RelayInstanceManager>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RelayInstancesHostedService>());
        return builder;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static IAddressAssigner CreateLinuxAssigner(IServiceProvider services) =>
        new LinuxIpCommandAssigner(services.GetRequiredService<IOptions<RelayInstanceOptions>>().Value.AddressLifetime);
}
