using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Pool.Notifications;

namespace ProxyKit.Pool;

/// <summary>Registers pool notifier plugins.</summary>
public static class PoolNotifierBuilderExtensions
{
    /// <summary>
    /// Adds a notifier plugin (a singleton). It receives the events of this host whose type matches its subscriptions, on its
    /// own queue, so a slow notifier never blocks the pool. Notifier names must be unique: a duplicate fails the host at start.
    /// Safe to call more than once with one type.
    /// </summary>
    public static IPoolBuilder AddNotifier<TNotifier>(this IPoolBuilder builder)
        where TNotifier : class, IPoolNotifier
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPoolNotifier, TNotifier>());
        return builder;
    }

    /// <summary>Adds a notifier plugin built by <paramref name="create"/> (a singleton). Notifier names must be unique: a duplicate fails the host at start.</summary>
    public static IPoolBuilder AddNotifier(this IPoolBuilder builder, Func<IServiceProvider, IPoolNotifier> create)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(create);
        builder.Services.AddSingleton(create);
        return builder;
    }
}
