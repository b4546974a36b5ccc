using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProxyKit.Pool.Scraping;

namespace ProxyKit.Pool;

/// <summary>Runs scheduled scraping in a host.</summary>
public static class PoolScrapingBuilderExtensions
{
    /// <summary>
    /// Runs the scrape worker in this host: every active source is scraped on its cron. Any number of hosts may run it
    /// against one PostgreSQL database; claims keep them from scraping one source twice. Safe to call more than once.
    /// </summary>
    public static IPoolBuilder AddScrapeWorker(this IPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ScrapeWorker>());
        return builder;
    }
}
