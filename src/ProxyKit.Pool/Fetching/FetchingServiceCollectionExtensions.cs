using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Fetching;

/// <summary>Registers source fetching; called by <c>AddProxyKitPool</c>.</summary>
internal static class FetchingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SourceFetcher"/> as a typed HttpClient with the resilience handler and the guarded
    /// SocketsHttpHandler. Idempotent: <c>AddHttpClient</c> would add the message handler (and so a second retry
    /// layer) again on a second call, so a marker service makes every call after the first a no-op.
    /// </summary>
    internal static void AddProxyKitSourceFetching(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Registered)))
        {
            return;
        }

        services.AddSingleton<Registered>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SourceResiliencePipelines>();
        services.TryAddTransient<SourceResilienceHandler>();
        services.AddHttpClient<SourceFetcher>(static client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline owns timeouts
            .AddHttpMessageHandler<SourceResilienceHandler>()
            .ConfigurePrimaryHttpMessageHandler(static services => SourceConnector.CreateHandler(
                services.GetRequiredService<IOptions<PoolOptions>>().Value.Fetch,
                services.GetRequiredService<ILogger<SourceFetcher>>()))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan) // connections are recycled by PooledConnectionLifetime instead
            .RemoveAllLoggers(); // the default loggers would log full request URLs; FetchLog logs them redacted
    }

    // Marks that fetching is registered.
    private sealed class Registered;
}
