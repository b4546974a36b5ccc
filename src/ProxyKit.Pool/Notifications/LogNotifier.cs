using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Notifications;

/// <summary>The built-in <c>log</c> notifier: writes each event to the log at Information (event id 6304).</summary>
internal sealed class LogNotifier(IOptions<PoolOptions> options, ILogger<LogNotifier> logger) : IPoolNotifier
{
    private readonly IReadOnlyList<string> _subscriptions = options.Value.Notifications.Log is { Enabled: true } log ? [.. log.Subscriptions] : [];

    public string Name => "log";

    public IReadOnlyList<string> Subscriptions => _subscriptions;

    public bool IsHealthy => true;

    public ValueTask NotifyAsync(PoolEvent poolEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poolEvent);
        if (logger.IsEnabled(LogLevel.Information))
        {
            NotificationLog.EventLogged(logger, poolEvent.Type, poolEvent.Id, poolEvent.OccurredAt, DataOf(poolEvent));
        }

        return ValueTask.CompletedTask;
    }

    private static string DataOf(PoolEvent poolEvent) => Encoding.UTF8.GetString(PoolEventJson.SerializeData(poolEvent.Data));
}
