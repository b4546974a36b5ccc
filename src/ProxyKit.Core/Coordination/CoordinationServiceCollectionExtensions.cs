using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Coordination;
using ProxyKit.Coordination.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit's coordination primitives.</summary>
public static class CoordinationServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IKeyedRateLimiter"/>, <see cref="IKeyedConcurrencyLimiter"/>, <see cref="IEventBus"/> and <see cref="IDistributedLock"/> with
    /// in-process implementations, unless a backend (<c>UseRedis</c>) registered its own. Safe to call more than once.
    /// </summary>
    public static ICoordinationBuilder AddProxyKitCoordination(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKeyedRateLimiter, InProcessKeyedRateLimiter>();
        services.TryAddSingleton<IKeyedConcurrencyLimiter, InProcessKeyedConcurrencyLimiter>();
        services.TryAddSingleton<IEventBus, InProcessEventBus>();
        services.TryAddSingleton<IDistributedLock, InProcessDistributedLock>();
        services.TryAddSingleton<ICoordinationBackend, InProcessCoordinationBackend>();
        return new CoordinationBuilder(services);
    }
}
