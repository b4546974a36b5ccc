using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>Registers the checker runner and the built-in checkers (called once by <c>AddProxyKitPool</c>).</summary>
internal static class CheckingServiceCollectionExtensions
{
    public static IServiceCollection AddPoolChecking(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, CheckingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, CheckerNamesValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new JudgeBaselines(
            sp.GetRequiredService<IOptions<PoolOptions>>(), sp.GetRequiredService<TimeProvider>(), LoggerOf<JudgeBaselines>(sp)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxyChecker, TcpConnectChecker>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxyChecker, ProtocolHandshakeChecker>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxyChecker, HttpAnonymityChecker>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PoolOptions>>();
            var geo = sp.GetService<IGeoResolver>();
            if (geo is null && options.Value.Checking.GeoDatabasePath is { } path)
            {
                geo = CsvGeoResolver.Load(path);
                CheckingLog.GeoDatabaseLoaded(LoggerOf<CsvGeoResolver>(sp), path, ((CsvGeoResolver)geo).Count);
            }

            return new ProxyCheckRunner(
                sp.GetServices<IProxyChecker>(), options, sp.GetRequiredService<TimeProvider>(), LoggerOf<ProxyCheckRunner>(sp), geo);
        });
        return services;
    }

    private static ILogger LoggerOf<T>(IServiceProvider services) =>
        (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger<T>() ?? NullLogger.Instance;
}
