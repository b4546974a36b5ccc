using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ProxyKit.Relay.Instances;

/// <summary>
/// Restores stored instances at start, then removes expired temporary ones and renews addresses in the background.
/// A database that is down at start does not stop the host: restoring is retried on every tick until it succeeds.
/// </summary>
internal sealed class RelayInstancesHostedService(
    RelayInstanceManager manager,
    IOptions<RelayInstanceOptions> options,
    TimeProvider timeProvider,
    ILogger<RelayInstancesHostedService>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private bool _restored;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await TryRestoreAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await manager.DisposeAsync().ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reapEvery = options.Value.ReapInterval;
        var renewEvery = options.Value.AddressLifetime / 3;
        var sinceRenew = TimeSpan.Zero;
        using var timer = new PeriodicTimer(reapEvery, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (!_restored)
                {
                    await TryRestoreAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await manager.CleanupExpiredAsync(stoppingToken).ConfigureAwait(false);
                sinceRenew += reapEvery;
                if (sinceRenew >= renewEvery)
                {
                    sinceRenew = TimeSpan.Zero;
                    await manager.RenewAddressesAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (ProxyKitException ex) when (ex.IsTransient)
            {
                Log.InstanceMaintenanceFailed(_logger, ex);
            }
        }
    }

    private async Task TryRestoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            var live = await manager.RestoreAsync(cancellationToken).ConfigureAwait(false);
            _restored = true;
            Log.InstancesRestored(_logger, live);
        }
        catch (ProxyKitException ex) when (ex.IsTransient)
        {
            Log.InstanceMaintenanceFailed(_logger, ex);
        }
    }
}
