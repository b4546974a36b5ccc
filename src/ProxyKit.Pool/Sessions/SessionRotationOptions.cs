namespace ProxyKit.Pool.Sessions;

/// <summary>
/// Limits and rotation rules of proxies bound to sessions (section <c>ProxyKit:Pool:Sessions</c>). Limits (hourly, in
/// flight) are enforced by the coordination backend, so they hold across hosts when Redis is configured.
/// </summary>
public sealed class SessionRotationOptions
{
    /// <summary>
    /// Gets or sets how many requests one proxy may be handed out per clock hour (UTC); <see langword="null"/> for no limit.
    /// Defaults to 1,000.
    /// </summary>
    public int? HourlyRequestLimit { get; set; } = 1_000;

    /// <summary>
    /// Gets or sets how many requests may be in flight through one proxy at once (handed out by <c>next</c>, not yet
    /// reported), so a dead proxy cannot absorb a burst. Defaults to 4. A proxy back from a cooldown gets one until it succeeds.
    /// </summary>
    public int MaxInFlight { get; set; } = 4;

    /// <summary>Gets or sets how long a handed-out request holds its in-flight slot when it is never reported. Defaults to 60 seconds.</summary>
    public TimeSpan InFlightTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how many consecutive failures put a proxy into a cooldown. Defaults to 5.</summary>
    public int ErrorThreshold { get; set; } = 5;

    /// <summary>
    /// Gets or sets the failure rate over <see cref="HealthWindow"/> that also puts a proxy into a cooldown, once it has
    /// <see cref="FailureRateMinimumRequests"/> outcomes in the window; <see langword="null"/> to use consecutive failures only. Defaults to 0.5.
    /// </summary>
    public double? FailureRateThreshold { get; set; } = 0.5;

    /// <summary>Gets or sets how many outcomes the window needs before the failure rate counts. Defaults to 20.</summary>
    public int FailureRateMinimumRequests { get; set; } = 20;

    /// <summary>Gets or sets the window of outcomes that weighs proxies (success rate, latency) and feeds the metrics. Defaults to 15 minutes.</summary>
    public TimeSpan HealthWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets the first cooldown; each further one in a row doubles, up to <see cref="MaxCooldown"/>. Defaults to 1 minute.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets the longest cooldown. Defaults to 1 hour.</summary>
    public TimeSpan MaxCooldown { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many sessions one proxy may carry. Defaults to 3.</summary>
    public int MaxSessionsPerProxy { get; set; } = 3;

    /// <summary>Gets or sets the target's status codes that mean the proxy is blocked (a failure whatever the client says). Defaults to 401, 403 and 429.</summary>
    /// <remarks>An array, so configuration replaces the defaults instead of appending to them.</remarks>
    public int[] BlockedStatusCodes { get; set; } = [401, 403, 429];

    /// <summary>Gets or sets the latency at which the latency factor of a proxy's weight is one half. Defaults to 1,000 ms.</summary>
    public double ReferenceLatencyMs { get; set; } = 1_000;

    /// <summary>Gets or sets how often counters and outcomes are written to the database (in one batch). Defaults to 1 second.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long this host rotates over its cached view of the proxies before reading them again. Defaults to 2 seconds.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
