using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Coordination;

namespace ProxyKit.Pool.Sessions;

/// <summary>
/// Keeps a host's session proxies in step: writes pending counters every <see cref="SessionRotationOptions.FlushInterval"/>
/// (and once more at shutdown), and invalidates this host's view when another host announces a change. Every host with the
/// pool runs it; the service is resolved only when there is work, so a host that never uses session proxies needs none of
/// their dependencies (the secrets key) to start.
/// </summary>
internal sealed partial class SessionProxyFlusher(
    IServiceProvider services, SessionProxyCounters counters, IEventBus bus, TimeProvider timeProvider, IOptions<PoolOptions> options,
    ILogger<SessionProxyFlusher> logger) : BackgroundService
{
    private IAsyncDisposable? _subscription;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = await bus.SubscribeAsync(SessionProxyService.ChangedTopic, (_, _) =>
        {
            services.GetRequiredService<SessionProxyService>().OnChanged();
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_subscription is not null)
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        // The last interval's counters: written unless the database is gone too.
        try
        {
            if (!counters.IsEmpty)
            {
                await services.GetRequiredService<SessionProxyService>().FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(logger, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.Value.Sessions.FlushInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                if (counters.IsEmpty)
                {
                    continue;
                }

                try
                {
                    await services.GetRequiredService<SessionProxyService>().FlushAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFlushFailed(logger, ex); // kept in memory and retried next interval
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 6610, Level = LogLevel.Warning, Message = "Writing session proxy counters failed; they are kept and retried")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
