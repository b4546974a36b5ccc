using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Coordination;
using ProxyKit.Pool.Notifications;

namespace ProxyKit.Pool.Sessions;

/// <summary>Registers proxies bound to sessions (called once by <c>AddProxyKitPool</c>).</summary>
internal static class SessionsServiceCollectionExtensions
{
    public static IServiceCollection AddPoolSessions(this IServiceCollection services)
    {
        services.AddProxyKitCoordination();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, SessionRotationOptionsValidator>());
        services.TryAddSingleton<SessionProxyStore>();
        services.TryAddSingleton<SessionProxyCatalog>();
        services.TryAddSingleton<SessionProxyCounters>();
        services.TryAddSingleton(sp => new SessionProxyService(
            sp.GetRequiredService<SessionProxyStore>(), sp.GetRequiredService<SessionProxyCatalog>(), sp.GetRequiredService<SessionProxyCounters>(),
            sp.GetRequiredService<IKeyedConcurrencyLimiter>(), sp.GetRequiredService<IKeyedRateLimiter>(), sp.GetRequiredService<IEventBus>(),
            sp.GetRequiredService<IPoolEvents>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<PoolOptions>>(),
            sp.GetRequiredService<ILogger<SessionProxyService>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SessionProxyFlusher>());
        return services;
    }
}
