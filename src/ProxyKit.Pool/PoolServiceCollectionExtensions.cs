using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.Pool;
using ProxyKit.Pool.Checking;
using ProxyKit.Pool.Leasing;
using ProxyKit.Pool.Notifications;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Fetching;
using ProxyKit.Pool.Internal;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Probing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Scraping;
using ProxyKit.Pool.Sessions;
using ProxyKit.Pool.Sources;
using ProxyKit.Pool.Validation;
using ProxyKit.Secrets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.Pool.</summary>
public static class PoolServiceCollectionExtensions
{
    /// <summary>Adds ProxyKit.Pool with options validated at start. Safe to call more than once.</summary>
    public static IPoolBuilder AddProxyKitPool(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<PoolOptions, PoolOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, ParserNamesValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProxyParserRegistry>();
        services.AddProxyKitSourceFetching();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, ScrapingOptionsValidator>());
        services.AddProxyKitSecrets();
        services.AddProxyKitMigrations("pool", typeof(PoolOptions).Assembly);
        services.TryAddSingleton<SourceStore>();
        services.TryAddSingleton<ProxyStore>();
        services.TryAddSingleton<SourceScraper>();
        services.TryAddSingleton(sp => new ProxySourceService(
            sp.GetRequiredService<SourceStore>(), sp.GetRequiredService<SourceScraper>(), sp.GetRequiredService<SourceFetcher>(),
            sp.GetRequiredService<ProxyParserRegistry>(), sp.GetRequiredService<SecretProtector>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PoolOptions>>(), sp.GetRequiredService<IPoolEvents>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolOptions>, ValidationOptionsValidator>());
        services.TryAddSingleton<ValidationStore>();
        services.AddPoolSessions();
        services.TryAddSingleton(sp => new ProxyProbeService(
            sp.GetRequiredService<ProxyKit.Storage.ProxyKitDatabase>(), sp.GetRequiredService<SecretProtector>(), sp.GetRequiredService<IOptions<PoolOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddPoolChecking();
        services.AddPoolLeasing();
        services.AddPoolNotifications();
        services.TryAddSingleton(sp => new ProxyPoolService(
            sp.GetRequiredService<ProxyStore>(), sp.GetRequiredService<SecretProtector>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<PoolOptions>>()));

        // Built-in parsers, in auto-detection order: structured formats first, plain text (the fallback) last.
        var builder = new PoolBuilder(services);
        builder.AddParser<JsonProxyParser>();
        builder.AddParser<CsvProxyParser>();
        builder.AddParser<HtmlProxyParser>();
        builder.AddParser<PlainTextProxyParser>();
        return builder;
    }

    /// <summary>Adds ProxyKit.Pool with options configured in code.</summary>
    public static IPoolBuilder AddProxyKitPool(this IServiceCollection services, Action<PoolOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitPool();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.Pool with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IPoolBuilder AddProxyKitPool(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitPool();
        services.AddOptions<PoolOptions>().BindStrict(section);
        return builder;
    }
}
