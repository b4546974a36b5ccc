using System.Net.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Notifications;

/// <summary>Registers pool events and notifiers (called once by <c>AddProxyKitPool</c>).</summary>
internal static class NotificationsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the dispatcher as <see cref="IPoolEvents"/>, the built-in <c>log</c> and <c>webhook</c> notifiers, their
    /// validation and the webhook HttpClient. Idempotent: <c>AddHttpClient</c> would configure its client again on a second
    /// call, so a marker service makes every call after the first a no-op.
    /// </summary>
    public static IServiceCollection AddPoolNotifications(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Registered)))
        {
            return services;
        }

        services.AddSingleton<Registered>();
        services.AddProxyKitCoordination(); // IEventBus: in-process unless UseRedis()
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, NotificationOptionsValidator>());
        services.AddOptions<NotifierNamesCheck>().ValidateOnStart(); // duplicate notifier names fail the start
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotifierNamesCheck>, NotifierNamesValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPoolNotifier, LogNotifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPoolNotifier, WebhookNotifier>());
        services.TryAddSingleton<PoolEventDispatcher>();
        services.TryAddSingleton<IPoolEvents>(static sp => sp.GetRequiredService<PoolEventDispatcher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PoolEventDispatcherHost>());
        services.AddHttpClient<WebhookSender>(WebhookSender.HttpClientName, static client => client.Timeout = Timeout.InfiniteTimeSpan) // attempts have their own timeout
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false, // a redirect would replay a signed event to an address nobody configured
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan) // connections are recycled by PooledConnectionLifetime instead
            .RemoveAllLoggers(); // the default loggers would log full webhook URLs, tokens in their queries included
        return services;
    }

    // Marks that notifications are registered.
    private sealed class Registered;
}
