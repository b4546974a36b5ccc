using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;

namespace ProxyKit.Relay.Instances;

/// <summary>Adds the IPv6 address allocator (it needs ProxyKit storage: <c>AddProxyKitStorage().UseSqlite()/UsePostgres()</c>).</summary>
public static class AddressAllocatorRelayBuilderExtensions
{
    /// <summary>Registers <see cref="IIPv6AddressAllocator"/> backed by ProxyKit storage, and the Relay schema migrations.</summary>
    public static IRelayBuilder AddAddressAllocator(this IRelayBuilder builder, Action<AddressAllocatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddProxyKitMigrations("relay", typeof(AddressAllocatorRelayBuilderExtensions).Assembly);
        services.AddProxyKitOptions<AddressAllocatorOptions, AddressAllocatorOptionsValidator>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<IIPv6AddressAllocator, PersistentAddressAllocator>();
        return builder;
    }
}
