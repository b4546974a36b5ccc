namespace ProxyKit.Pool.Notifications;

/// <summary>What one evaluation of a cluster-wide alert changed.</summary>
internal enum PoolAlertChange
{
    /// <summary>Nothing: the alert was already in the state the count calls for (here or on another host), or the count is between the thresholds.</summary>
    None,

    /// <summary>This host flipped the alert on and published the event.</summary>
    Fired,

    /// <summary>This host flipped the alert off (re-armed it) and published the recovery.</summary>
    Recovered,
}
