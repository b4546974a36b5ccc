using Microsoft.Extensions.Logging;

namespace ProxyKit.Pool.Notifications;

/// <summary>Pool event and notifier log messages; event ids 6300-6349. Webhook secrets are never logged; URLs are redacted.</summary>
internal static partial class NotificationLog
{
    [LoggerMessage(6300, LogLevel.Warning, "Dropped pool event {Type} {EventId} for notifier {Notifier}: its queue is full ({Dropped} dropped so far)")]
    public static partial void EventDropped(ILogger logger, string notifier, string type, string eventId, long dropped);

    [LoggerMessage(6301, LogLevel.Error, "Notifier {Notifier} failed to deliver pool event {Type} {EventId}")]
    public static partial void NotifierFailed(ILogger logger, string notifier, string type, string eventId, Exception exception);

    [LoggerMessage(6302, LogLevel.Warning, "Notifier {Notifier} did not deliver pool event {Type} {EventId} within {Timeout}; delivery cancelled")]
    public static partial void NotifierTimedOut(ILogger logger, string notifier, string type, string eventId, TimeSpan timeout);

    [LoggerMessage(6303, LogLevel.Warning, "Publishing pool event {Type} {EventId} on the event bus topic {Topic} failed")]
    public static partial void BusPublishFailed(ILogger logger, string type, string eventId, string topic, Exception exception);

    [LoggerMessage(6304, LogLevel.Information, "Pool event {Type} {EventId} at {OccurredAt}: {Data}")]
    public static partial void EventLogged(ILogger logger, string type, string eventId, DateTimeOffset occurredAt, string data);

    [LoggerMessage(6305, LogLevel.Warning, "Webhook {Webhook} ({Url}) attempt {Attempt} of {MaxAttempts} for event {EventId} failed ({Reason}); retrying in {DelayMilliseconds} ms")]
    public static partial void WebhookRetrying(ILogger logger, string webhook, string url, int attempt, int maxAttempts, string eventId, string reason, long delayMilliseconds);

    [LoggerMessage(6306, LogLevel.Debug, "Webhook {Webhook} ({Url}) accepted event {Type} {EventId} (delivery {DeliveryId}, attempt {Attempt})")]
    public static partial void WebhookDelivered(ILogger logger, string webhook, string url, string type, string eventId, string deliveryId, int attempt);

    [LoggerMessage(6307, LogLevel.Warning, "Webhook {Webhook} ({Url}) did not accept event {Type} {EventId} after {Attempts} attempt(s): {Reason}")]
    public static partial void WebhookFailed(ILogger logger, string webhook, string url, string type, string eventId, int attempts, string reason);

    [LoggerMessage(6308, LogLevel.Warning, "Webhook {Webhook} ({Url}) is unhealthy: its last {Failures} deliveries failed")]
    public static partial void WebhookUnhealthy(ILogger logger, string webhook, string url, int failures);

    [LoggerMessage(6309, LogLevel.Information, "Webhook {Webhook} ({Url}) is healthy again")]
    public static partial void WebhookRecovered(ILogger logger, string webhook, string url);

    [LoggerMessage(6310, LogLevel.Warning, "The pool is low: {Active} active proxies, under the threshold of {Threshold}")]
    public static partial void PoolLow(ILogger logger, int active, int threshold);

    [LoggerMessage(6311, LogLevel.Information, "The pool recovered: {Active} active proxies, above {RecoverThreshold}")]
    public static partial void PoolRecovered(ILogger logger, int active, int recoverThreshold);

    [LoggerMessage(6312, LogLevel.Warning, "Checking the pool's active proxy count failed; trying again in {Interval}")]
    public static partial void MonitorFailed(ILogger logger, TimeSpan interval, Exception exception);

    [LoggerMessage(6313, LogLevel.Information, "Pool monitor started: checking active proxies every {Interval} (pool_low under {Threshold}, re-armed above {RecoverThreshold})")]
    public static partial void MonitorStarted(ILogger logger, TimeSpan interval, int threshold, int recoverThreshold);

    [LoggerMessage(6314, LogLevel.Warning, "{Count} queued pool event deliveries were abandoned at shutdown")]
    public static partial void DeliveriesAbandoned(ILogger logger, int count);
}
