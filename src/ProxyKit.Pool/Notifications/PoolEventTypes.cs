namespace ProxyKit.Pool.Notifications;

/// <summary>The event types the pool publishes.</summary>
internal static class PoolEventTypes
{
    /// <summary>The active proxy count dropped under <see cref="NotificationOptions.PoolLowThreshold"/>.</summary>
    public const string PoolLow = "proxy.pool_low";

    /// <summary>After a <see cref="PoolLow"/>, the active count exceeded <see cref="NotificationOptions.PoolLowRecoverThreshold"/> again.</summary>
    public const string PoolRecovered = "proxy.pool_recovered";
}
