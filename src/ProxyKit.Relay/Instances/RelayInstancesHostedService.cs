using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ProxyKit.Relay.Instances;

/// <summary>Restores stored instances at start, then removes expired temporary ones and renews addresses in the background.</summary>
internal sealed class RelayInstancesHostedService(RelayInstanceManager manager, IOptions<RelayInstanceOptions> options, TimeProvider timeProvider) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await manager.RestoreAsync(cancellationToken).ConfigureAwait(false);
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
            await manager.CleanupExpiredAsync(stoppingToken).ConfigureAwait(false);
            sinceRenew += reapEvery;
            if (sinceRenew >= renewEvery)
            {
                sinceRenew = TimeSpan.Zero;
                await manager.RenewAddressesAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
