namespace ProxyKit.Pool.Notifications;

/// <summary>Options of pool events and notifiers (section <c>ProxyKit:Pool:Notifications</c>).</summary>
public sealed class NotificationOptions
{
    /// <summary>Gets or sets the built-in <c>log</c> notifier (section <c>ProxyKit:Pool:Notifications:Log</c>).</summary>
    public LogNotifierOptions Log { get; set; } = new();

    /// <summary>
    /// Gets or sets the webhooks the built-in <c>webhook</c> notifier posts events to (section
    /// <c>ProxyKit:Pool:Notifications:Webhooks</c>). Defaults to none.
    /// </summary>
    public IList<WebhookOptions> Webhooks { get; set; } = [];

    /// <summary>
    /// Gets or sets the number of active proxies under which <c>proxy.pool_low</c> fires (once per dip, across the cluster;
    /// see <see cref="PoolLowRecoverThreshold"/>). 0 turns the alert off. Checked by <c>AddPoolMonitor()</c>. Defaults to 10.
    /// </summary>
    public int PoolLowThreshold { get; set; } = 10;

    /// <summary>
    /// Gets or sets the number of active proxies the pool must exceed after a <c>proxy.pool_low</c> before the alert can fire
    /// again (hysteresis, so a count hovering around <see cref="PoolLowThreshold"/> does not alert on every check); the
    /// recovery publishes <c>proxy.pool_recovered</c>. Must not be less than <see cref="PoolLowThreshold"/>. Defaults to 20.
    /// </summary>
    public int PoolLowRecoverThreshold { get; set; } = 20;

    /// <summary>Gets or sets the credit balance under which an account's <c>credits.low</c> fires. 0 turns it off. Defaults to 10.</summary>
    public int CreditsLowThreshold { get; set; } = 10;

    /// <summary>Gets or sets how often <c>AddPoolMonitor()</c> counts active proxies. Defaults to 30 seconds.</summary>
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how many undelivered events each notifier may have queued; when its queue is full new events for it are
    /// dropped and logged (a slow notifier never blocks the publisher). Defaults to 1024.
    /// </summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>
    /// Gets or sets the longest one notifier may take to deliver one event, retries included; then the delivery is cancelled
    /// and logged. Defaults to 2 minutes.
    /// </summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
