namespace ProxyKit.Pool.Validation;

/// <summary>What a proxy's score is computed from: time-decayed check outcomes, latency and the last success.</summary>
internal readonly record struct ProxyEvidence(
    double Successes, double Failures, DateTimeOffset? LastCheckedAt, DateTimeOffset? LastSuccessAt, double? AvgLatencyMs, int ConsecutiveFailures, long ChecksTotal);

/// <summary>
/// The score (0..1): <c>uptime × (0.6 + 0.4 × latency) × (0.7 + 0.3 × freshness)</c>, where
/// <list type="bullet">
/// <item><b>uptime</b> is the Wilson lower bound (95%) of the success ratio over time-decayed checks (each check's weight
/// halves every <see cref="ValidationOptions.EvidenceHalfLife"/>), so 1 success of 1 (0.21) never outranks 95 of 100
/// (0.89); it is also <c>uptime_pct</c> (× 100);</item>
/// <item><b>latency</b> is <c>1 / (1 + avg_latency_ms / LatencyScaleMs)</c> over an exponential moving average (α 0.3) of
/// successful checks' latencies;</item>
/// <item><b>freshness</b> halves every <see cref="ValidationOptions.FreshnessHalfLife"/> since the last success.</item>
/// </list>
/// </summary>
internal static class ProxyScoring
{
    private const double Z = 1.96;
    private const double LatencySmoothing = 0.3;

    /// <summary>The evidence after one more check at <paramref name="now"/>.</summary>
    public static ProxyEvidence Record(ProxyEvidence previous, DateTimeOffset now, bool passed, double? latencyMs, ValidationOptions options)
    {
        var decay = previous.LastCheckedAt is { } last && now > last ? Math.Pow(0.5, (now - last) / options.EvidenceHalfLife) : 1;
        var latency = previous.AvgLatencyMs;
        if (passed && latencyMs is { } measured)
        {
            latency = latency is { } average ? ((1 - LatencySmoothing) * average) + (LatencySmoothing * measured) : measured;
        }

        return new ProxyEvidence(
            (previous.Successes * decay) + (passed ? 1 : 0),
            (previous.Failures * decay) + (passed ? 0 : 1),
            now,
            passed ? now : previous.LastSuccessAt,
            latency,
            passed ? 0 : previous.ConsecutiveFailures + 1,
            previous.ChecksTotal + 1);
    }

    /// <summary>The Wilson score interval's lower bound (95%) of <paramref name="successes"/> out of the total; 0 without evidence.</summary>
    public static double UptimeLowerBound(double successes, double failures)
    {
        var n = successes + failures;
        if (n <= 0)
        {
            return 0;
        }

        var p = successes / n;
        var z2 = Z * Z;
        var bound = (p + (z2 / (2 * n)) - (Z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))))) / (1 + (z2 / n));
        return Math.Clamp(bound, 0, 1);
    }

    public static double Score(ProxyEvidence evidence, DateTimeOffset now, ValidationOptions options)
    {
        var uptime = UptimeLowerBound(evidence.Successes, evidence.Failures);
        var latency = evidence.AvgLatencyMs is { } average ? 1 / (1 + (Math.Max(0, average) / options.LatencyScaleMs)) : 0;
        var freshness = evidence.LastSuccessAt is { } success ? Math.Pow(0.5, Math.Max(0, (now - success) / options.FreshnessHalfLife)) : 0;
        return Math.Clamp(uptime * (0.6 + (0.4 * latency)) * (0.7 + (0.3 * freshness)), 0, 1);
    }

    /// <summary>
    /// When the proxy is checked next: working proxies every <see cref="ValidationOptions.ActiveRecheckInterval"/> (up to
    /// twice that as the score falls), failing ones after an exponential back-off capped at
    /// <see cref="ValidationOptions.DeadBackoffMax"/>; ±10–20% jitter so a sweep does not come back as one burst.
    /// </summary>
    public static DateTimeOffset NextCheck(ProxyEvidence evidence, double score, DateTimeOffset now, ValidationOptions options, Random random)
    {
        if (evidence.ConsecutiveFailures == 0)
        {
            var interval = options.ActiveRecheckInterval * (2 - score) * (0.9 + (0.2 * random.NextDouble()));
            return now + interval;
        }

        var exponent = Math.Min(evidence.ConsecutiveFailures - 1, 30);
        var backoff = TimeSpan.FromTicks((long)Math.Min(options.DeadBackoffMax.Ticks, options.DeadBackoffBase.Ticks * Math.Pow(2, exponent)));
        return now + (backoff * (0.8 + (0.4 * random.NextDouble())));
    }
}
