using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Pool.Notifications;

/// <summary>Registers pool events and notifiers (called once by <c>AddProxyKitPool</c>).</summary>
internal static class NotificationsServiceCollectionExtensions
{
    public static IServiceCollection AddPoolNotifications(this IServiceCollection services) => services;
}
