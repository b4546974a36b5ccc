using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool;

/// <summary>Registers proxy checker plugins.</summary>
public static class PoolCheckerBuilderExtensions
{
    /// <summary>Adds a checker plugin. Checker names must be unique: a duplicate fails the host at start.</summary>
    public static IPoolBuilder AddChecker<TChecker>(this IPoolBuilder builder)
        where TChecker : class, IProxyChecker
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxyChecker, TChecker>());
        return builder;
    }

    /// <summary>Adds a checker plugin built by <paramref name="create"/>. Checker names must be unique: a duplicate fails the host at start.</summary>
    public static IPoolBuilder AddChecker(this IPoolBuilder builder, Func<IServiceProvider, IProxyChecker> create)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(create);
        builder.Services.AddSingleton(create);
        return builder;
    }

    /// <summary>Adds a checker plugin from a delegate. Checker names must be unique: a duplicate fails the host at start.</summary>
    public static IPoolBuilder AddChecker(
        this IPoolBuilder builder,
        string name,
        int stage,
        int priority,
        Func<ProxyCheckContext, CancellationToken, ValueTask<ProxyCheckResult>> check)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(check);
        builder.Services.AddSingleton<IProxyChecker>(new DelegateProxyChecker(name, stage, priority, check));
        return builder;
    }
}
