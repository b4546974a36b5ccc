using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Orders;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Ledger;

namespace ProxyKit.ExternalSocks;

/// <summary>Runs the shop's background loops in a host.</summary>
public static class ExternalSocksShopBuilderExtensions
{
    /// <summary>Syncs every provider's listing into the inventory every <see cref="ExternalSocksOptions.SyncIntervalMinutes"/>. Safe on any number of hosts.</summary>
    public static IExternalSocksBuilder AddInventorySync(this IExternalSocksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InventorySyncWorker>());
        return builder;
    }

    /// <summary>Finishes orders a crash or a lost provider answer left open, every 15 seconds. Safe on any number of hosts.</summary>
    public static IExternalSocksBuilder AddOrderReconciler(this IExternalSocksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OrderReconciler>());
        return builder;
    }

    /// <summary>Registers the inventory, orders and their services (called once by <c>AddProxyKitExternalSocks</c>).</summary>
    internal static IServiceCollection AddExternalSocksShop(this IServiceCollection services)
    {
        services.AddProxyKitSecrets();
        services.AddProxyKitMigrations("external_socks", typeof(ExternalSocksOptions).Assembly);
        services.TryAddSingleton<InventoryStore>();
        services.TryAddSingleton<InventorySyncService>();
        services.TryAddSingleton<OrderStore>();
        services.TryAddSingleton(sp => new ExternalProxyShop(
            sp.GetRequiredService<OrderStore>(), sp.GetRequiredService<IExternalSocksProviders>(), sp.GetService<ICreditLedger>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ExternalSocksOptions>>(), sp.GetRequiredService<ILogger<ExternalProxyShop>>()));
        services.TryAddSingleton(sp => new ExternalProxyCatalog(
            sp.GetRequiredService<InventoryStore>(), sp.GetRequiredService<InventorySyncService>(), sp.GetRequiredService<IOptions<ExternalSocksOptions>>()));
        return services;
    }
}
