namespace ProxyKit.Pool.Validation;

/// <summary>Options of re-checking and scoring (section <c>ProxyKit:Pool:Validation</c>).</summary>
public sealed class ValidationOptions
{
    /// <summary>Gets or sets how often an idle validation worker looks for due proxies. Defaults to 5 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many due proxies one worker claims at a time. Defaults to 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Gets or sets how long a worker's claim on a proxy's check lasts (a crashed worker's proxies come back after it). Defaults to 5 minutes.</summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the re-check interval of a working proxy with score 1; a score of 0 doubles it. Defaults to 5 minutes.</summary>
    public TimeSpan ActiveRecheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the first re-check delay of a failing proxy; it doubles with every further failure. Defaults to 10 minutes.</summary>
    public TimeSpan DeadBackoffBase { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the longest re-check delay of a failing proxy. Defaults to 24 hours.</summary>
    public TimeSpan DeadBackoffMax { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets the half-life of check evidence: a check this old counts half. Defaults to 24 hours.</summary>
    public TimeSpan EvidenceHalfLife { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets the latency at which the latency factor is one half. Defaults to 1,000 ms.</summary>
    public double LatencyScaleMs { get; set; } = 1_000;

    /// <summary>Gets or sets the half-life of freshness (time since the last successful check). Defaults to 6 hours.</summary>
    public TimeSpan FreshnessHalfLife { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Gets or sets how long check history (<c>recent_checks</c>) is kept. Defaults to 7 days.</summary>
    public TimeSpan CheckHistoryRetention { get; set; } = TimeSpan.FromDays(7);
}
