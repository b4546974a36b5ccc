using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProxyKit.Hosting;

namespace ProxyKit.Pool.Leasing;

/// <summary>
/// Marks lapsed leases <c>expired</c> (publishing <c>lease.expired</c> for each) every few seconds. Acquisition never
/// waits for it — an acquiring transaction expires the lapsed leases it would otherwise collide with — so it keeps the
/// table and the users' lease lists tidy, and the events timely. Any number of hosts may run it: each lease is
/// expired, and reported, once.
/// </summary>
internal sealed partial class LeaseReaperService(IServiceProvider services, TimeProvider timeProvider, ILogger<LeaseReaperService> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private const int Batch = 500;

    /// <summary>Expires every lapsed lease now; returns how many.</summary>
    internal async Task<int> ReapOnceAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<LeaseStore>();
        var leases = services.GetRequiredService<ProxyLeaseService>();
        var total = 0;
        while (true)
        {
            var expired = await store.ExpireDueAsync(timeProvider.GetUtcNow(), Batch, cancellationToken).ConfigureAwait(false);
            await leases.PublishExpiredAsync(expired).ConfigureAwait(false);
            total += expired.Count;
            if (expired.Count < Batch)
            {
                return total;
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(
            async ct =>
            {
                if (await ReapOnceAsync(ct).ConfigureAwait(false) is > 0 and var count)
                {
                    LogExpired(logger, count);
                }
            },
            () => Interval, ex => LogFailed(logger, ex), timeProvider, stoppingToken);

    [LoggerMessage(EventId = 6510, Level = LogLevel.Information, Message = "Expired {Count} lapsed leases")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 6511, Level = LogLevel.Warning, Message = "Expiring lapsed leases failed; retrying shortly")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
