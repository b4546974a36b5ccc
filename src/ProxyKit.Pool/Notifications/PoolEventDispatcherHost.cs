using Microsoft.Extensions.Hosting;

namespace ProxyKit.Pool.Notifications;

/// <summary>Lets a host drain queued event deliveries within its shutdown timeout before the dispatcher is disposed.</summary>
internal sealed class PoolEventDispatcherHost(PoolEventDispatcher dispatcher) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => dispatcher.DrainAsync(cancellationToken);
}
