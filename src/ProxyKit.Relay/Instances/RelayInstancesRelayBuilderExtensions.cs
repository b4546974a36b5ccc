using System.Net;
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
    /// start and reaps expired ones. The <see cref="IAddressAssigner"/> follows <see cref="RelayInstanceOptions.Assigner"/>
    /// unless one is registered before calling this (ProxyKit.Windows brings the Windows one).
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

        services.TryAddSingleton<IAddressAssigner>(CreateAssigner);
        services.TryAddSingleton<RelayInstanceManager>();
        services.TryAddSingleton<RelayInstanceDoctor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RelayInstancesHostedService>());
        return builder;
    }

    /// <summary>Adds proxy instances with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IRelayBuilder AddRelayInstances(this IRelayBuilder builder, Microsoft.Extensions.Configuration.IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.AddRelayInstances();
        builder.Services.AddOptions<RelayInstanceOptions>().BindStrict(section);
        return builder;
    }

    private static IAddressAssigner CreateAssigner(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RelayInstanceOptions>>().Value;
        return options.Assigner switch
        {
            InstanceAddressAssigner.None => new NullAddressAssigner(),
            InstanceAddressAssigner.AnyIp when OperatingSystem.IsLinux() => new LinuxAnyIpAssigner(options.Prefixes.Values.Select(p => IPNetwork.Parse(p))),
            _ when OperatingSystem.IsLinux() => new LinuxIpCommandAssigner(options.AddressLifetime),
            _ => throw new ProxyKitException($"ProxyKit:Instances:Assigner '{options.Assigner}' needs Linux; on Windows reference ProxyKit.Windows, elsewhere use 'None'."),
        };
    }
}
