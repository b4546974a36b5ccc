using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProxyKit.Pool.Leasing;

namespace ProxyKit.Pool;

/// <summary>Runs lease expiry in a host.</summary>
public static class PoolLeasingBuilderExtensions
{
    /// <summary>
    /// Runs the lease reaper in this host: lapsed leases are marked expired and <c>lease.expired</c> is published. Any
    /// number of hosts may run it against one database. Acquisition does not depend on it (an expired lease never blocks
    /// a proxy). Safe to call more than once.
    /// </summary>
    public static IPoolBuilder AddLeaseReaper(this IPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LeaseReaperService>());
        return builder;
    }
}
