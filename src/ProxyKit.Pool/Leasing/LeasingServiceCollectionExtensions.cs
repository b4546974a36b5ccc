using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Leasing;
using ProxyKit.Ledger;
using ProxyKit.Pool.Notifications;
using ProxyKit.Secrets;

namespace ProxyKit.Pool.Leasing;

/// <summary>Registers leases (called once by <c>AddProxyKitPool</c>).</summary>
internal static class LeasingServiceCollectionExtensions
{
    public static IServiceCollection AddPoolLeasing(this IServiceCollection services)
    {
        services.TryAddSingleton<LeaseStore>();

        // The ledger is optional here (a worker host has none); acquiring without one is refused with a clear message.
        services.TryAddSingleton(sp => new ProxyLeaseService(
            sp.GetRequiredService<LeaseStore>(), sp.GetService<ICreditLedger>(), sp.GetRequiredService<SecretProtector>(),
            sp.GetRequiredService<IPoolEvents>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<PoolOptions>>(),
            sp.GetRequiredService<ILogger<ProxyLeaseService>>()));
        services.TryAddSingleton<ILeaseDirectory, LeaseDirectory>();
        return services;
    }
}
