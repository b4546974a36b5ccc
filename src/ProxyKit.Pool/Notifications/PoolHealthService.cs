using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Hosting;

namespace ProxyKit.Pool.Notifications;

/// <summary>Every <see cref="NotificationOptions.MonitorInterval"/>, counts the active proxies and lets <see cref="PoolLowMonitor"/> decide <c>proxy.pool_low</c>.</summary>
internal sealed class PoolHealthService(IServiceProvider services, IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger<PoolHealthService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Notifications;

        // Resolved here, not in the constructor: a bad setting must fail the start naming it, not as a storage error.
        var monitor = services.GetRequiredService<PoolLowMonitor>();
        NotificationLog.MonitorStarted(logger, settings.MonitorInterval, settings.PoolLowThreshold, settings.PoolLowRecoverThreshold);
        return PeriodicRounds.RunAsync(
            async ct => await monitor.CheckAsync(ct).ConfigureAwait(false), () => settings.MonitorInterval, ex => NotificationLog.MonitorFailed(logger, settings.MonitorInterval, ex), timeProvider, stoppingToken);
    }
}
