using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ProxyKit.Pool.Notifications;

/// <summary>Registers pool events and notifiers (called once by <c>AddProxyKitPool</c>).</summary>
internal static class NotificationsServiceCollectionExtensions
{
    public static IServiceCollection AddPoolNotifications(this IServiceCollection services)
    {
        services.TryAddSingleton<IPoolEvents, DiscardingPoolEvents>();
        return services;
    }

    // Until the dispatcher exists, events go nowhere.
    private sealed class DiscardingPoolEvents : IPoolEvents
    {
        public ValueTask PublishAsync(string type, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
