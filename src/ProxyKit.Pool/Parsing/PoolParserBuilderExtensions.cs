using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool;

/// <summary>Registers source parser plugins.</summary>
public static class PoolParserBuilderExtensions
{
    /// <summary>Adds a parser plugin. Parser names must be unique: a duplicate fails the host at start.</summary>
    public static IPoolBuilder AddParser<TParser>(this IPoolBuilder builder)
        where TParser : class, IProxySourceParser
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProxySourceParser, TParser>());
        return builder;
    }

    /// <summary>Adds a parser plugin built by <paramref name="create"/>. Parser names must be unique: a duplicate fails the host at start.</summary>
    public static IPoolBuilder AddParser(this IPoolBuilder builder, Func<IServiceProvider, IProxySourceParser> create)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(create);
        builder.Services.AddSingleton(create);
        return builder;
    }
}
