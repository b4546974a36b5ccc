using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Sources;

namespace ProxyKit.Pool.Scraping;

/// <summary>
/// Scrapes each active source on its cron: claims due sources (never one another worker holds), scrapes up to
/// <see cref="ScrapingOptions.MaxConcurrentScrapes"/> at once, releases each claim with the next due time, and prunes
/// proxy history no cursor needs any more. Any number of workers may run against one database.
/// </summary>
internal sealed partial class ScrapeWorker(
    IServiceProvider services, IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger<ScrapeWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ErrorBackoff = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Scraping;

        // Resolved here, not in the constructor: the host builds its hosted services before it validates options, and the
        // stores need the database, so a bad setting would surface as a storage error instead of an error naming it.
        var sources = services.GetRequiredService<SourceStore>();
        var service = services.GetRequiredService<ProxySourceService>();
        var proxies = services.GetRequiredService<ProxyStore>();
        using var slots = new SemaphoreSlim(settings.MaxConcurrentScrapes, settings.MaxConcurrentScrapes);
        var running = new List<Task>();
        var nextPrune = timeProvider.GetUtcNow();
        LogStarted(logger, settings.WorkerId, settings.MaxConcurrentScrapes);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                running.RemoveAll(t => t.IsCompleted);
                var free = slots.CurrentCount;
                IReadOnlyList<SourceClaim> claims = [];
                try
                {
                    var now = timeProvider.GetUtcNow();
                    if (free > 0)
                    {
                        claims = await sources.ClaimDueAsync(settings.WorkerId, free, now, settings.ClaimDuration, stoppingToken).ConfigureAwait(false);
                    }

                    if (now >= nextPrune)
                    {
                        await proxies.PruneHistoryAsync(now - settings.CursorLifetime, stoppingToken).ConfigureAwait(false);
                        nextPrune = now + PruneInterval;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogClaimFailed(logger, ex);
                    await Task.Delay(ErrorBackoff, timeProvider, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                foreach (var claim in claims)
                {
                    await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                    running.Add(ScrapeAsync(service, claim, settings.WorkerId, slots, stoppingToken));
                }

                // A full batch suggests more are due: look again at once (when a slot frees); otherwise wait for the next poll.
                if (claims.Count > 0 && claims.Count == free)
                {
                    await Task.WhenAny(running.Append(Task.Delay(settings.PollInterval, timeProvider, stoppingToken))).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(settings.PollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Let scrapes in flight finish releasing their claims (they were cancelled with the host).
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task ScrapeAsync(ProxySourceService service, SourceClaim claim, string worker, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await service.ScrapeClaimedAsync(claim, worker, reschedule: true, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The claim expires by itself; the next worker picks the source up.
        }
        catch (Exception ex)
        {
            LogScrapeCrashed(logger, claim.Id, ex);
        }
        finally
        {
            slots.Release();
        }
    }

    [LoggerMessage(EventId = 6110, Level = LogLevel.Information, Message = "Scrape worker {WorkerId} started ({MaxConcurrent} at once)")]
    private static partial void LogStarted(ILogger logger, string workerId, int maxConcurrent);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Warning, Message = "Claiming due sources failed; retrying shortly")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6112, Level = LogLevel.Error, Message = "Scraping source {SourceId} failed unexpectedly")]
    private static partial void LogScrapeCrashed(ILogger logger, string sourceId, Exception exception);
}
