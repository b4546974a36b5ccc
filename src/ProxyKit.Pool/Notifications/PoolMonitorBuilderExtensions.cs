using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProxyKit.Pool.Notifications;

namespace ProxyKit.Pool;

/// <summary>Runs the pool health monitor in a host.</summary>
public static class PoolMonitorBuilderExtensions
{
    /// <summary>
    /// Runs the pool monitor in this host: every <see cref="NotificationOptions.MonitorInterval"/> it counts the active proxies
    /// and publishes <c>proxy.pool_low</c> when the count drops under <see cref="NotificationOptions.PoolLowThreshold"/>, once,
    /// until it recovers above <see cref="NotificationOptions.PoolLowRecoverThreshold"/> (<c>proxy.pool_recovered</c>). Any
    /// number of hosts may run it against one database: the alert's state is kept there, so a cluster fires once.
    /// Safe to call more than once.
    /// </summary>
    public static IPoolBuilder AddPoolMonitor(this IPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<PoolLowMonitor>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PoolHealthService>());
        return builder;
    }
}
