using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProxyKit.Configuration;
using ProxyKit.Coordination;
using ProxyKit.Redis;
using ProxyKit.Redis.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses Redis as the backend of ProxyKit's coordination primitives.</summary>
public static class RedisCoordinationBuilderExtensions
{
    /// <summary>
    /// Serves <see cref="IKeyedRateLimiter"/>, <see cref="IKeyedConcurrencyLimiter"/>, <see cref="IEventBus"/> and <see cref="IDistributedLock"/> from Redis
    /// so every host shares them. The host connects at start and fails to start, naming the setting, when Redis
    /// is unreachable; later outages surface as transient <see cref="ProxyKit.ProxyKitException"/>s while it reconnects.
    /// </summary>
    public static ICoordinationBuilder UseRedis(this ICoordinationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddProxyKitOptions<RedisCoordinationOptions, RedisCoordinationOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisCoordinationBackend>();
        services.Replace(ServiceDescriptor.Singleton<ICoordinationBackend>(sp => sp.GetRequiredService<RedisCoordinationBackend>()));
        services.Replace(ServiceDescriptor.Singleton<IKeyedRateLimiter, RedisKeyedRateLimiter>());
        services.Replace(ServiceDescriptor.Singleton<IKeyedConcurrencyLimiter, RedisKeyedConcurrencyLimiter>());
        services.Replace(ServiceDescriptor.Singleton<IDistributedLock, RedisDistributedLock>());
        services.Replace(ServiceDescriptor.Singleton<IEventBus>(sp => new RedisEventBus(
            sp.GetRequiredService<RedisConnection>(),
            new InProcessEventBus(sp.GetService<ILogger<InProcessEventBus>>()),
            sp.GetRequiredService<TimeProvider>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RedisStartupCheck>());

        return builder;
    }

    /// <summary>Uses the Redis at <paramref name="configuration"/> (a StackExchange.Redis configuration string such as <c>127.0.0.1:6379</c>).</summary>
    public static ICoordinationBuilder UseRedis(this ICoordinationBuilder builder, string configuration)
    {
        builder.UseRedis();
        builder.Services.Configure<RedisCoordinationOptions>(o => o.Configuration = configuration);
        return builder;
    }

    /// <summary>Uses Redis with options configured in code.</summary>
    public static ICoordinationBuilder UseRedis(this ICoordinationBuilder builder, Action<RedisCoordinationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.UseRedis();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Uses Redis with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static ICoordinationBuilder UseRedis(this ICoordinationBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.UseRedis();
        builder.Services.AddOptions<RedisCoordinationOptions>().BindStrict(section);
        return builder;
    }
}
