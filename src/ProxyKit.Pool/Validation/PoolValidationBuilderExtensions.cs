using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProxyKit.Pool.Validation;

namespace ProxyKit.Pool;

/// <summary>Runs proxy re-checking in a host.</summary>
public static class PoolValidationBuilderExtensions
{
    /// <summary>
    /// Runs the validation worker in this host: due proxies are checked through the checker stages, scored and rescheduled.
    /// Any number of hosts may run it against one PostgreSQL database; claims keep them from checking a proxy twice at once.
    /// Safe to call more than once.
    /// </summary>
    public static IPoolBuilder AddValidationWorker(this IPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ValidationWorker>());
        return builder;
    }
}
