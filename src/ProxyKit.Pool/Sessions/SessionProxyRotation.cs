namespace ProxyKit.Pool.Sessions;

/// <summary>The rotation rules: which proxies may take a request, how much each is preferred, and how long a cooldown lasts.</summary>
internal static class SessionProxyRotation
{
    /// <summary>The weight floor, so a proxy with a bad window is still tried now and then and can recover.</summary>
    public const double MinimumWeight = 0.01;

    /// <summary>Where a proxy stands for rotation at <paramref name="now"/>.</summary>
    public static SessionProxyState StateOf(string status, SessionProxyCatalog.ErrorHint errors, DateTimeOffset now) =>
        status != SessionProxyStatus.Active ? SessionProxyState.Disabled
        : errors.CooldownUntil > now ? SessionProxyState.CoolingDown
        : errors.CooldownLevel > 0 ? SessionProxyState.Probation
        : SessionProxyState.Available;

    /// <summary>
    /// A proxy's preference: the smoothed success rate over the health window, squared so failures weigh heavily, times a
    /// latency factor that is one half at the reference latency. A proxy without outcomes gets 0.5 for both (weight
    /// 0.5² × 0.5 = 0.125), so new proxies are tried (explored) but do not crowd out proven fast ones (0.94 at 20 ms).
    /// </summary>
    public static double Weight(SessionProxyHealth health, double referenceLatencyMs)
    {
        var success = (health.Successes + 1.0) / (health.Requests + 2.0);
        var latency = health.AverageLatencyMs is { } ms ? referenceLatencyMs / (referenceLatencyMs + ms) : 0.5;
        return Math.Max(MinimumWeight, success * success * latency);
    }

    /// <summary>How long the cooldown that starts at <paramref name="level"/> (0 for the first in a row) lasts: doubling, capped.</summary>
    public static TimeSpan CooldownFor(int level, SessionRotationOptions options)
    {
        var factor = Math.Pow(2, Math.Clamp(level, 0, 30));
        var ticks = Math.Min(options.Cooldown.Ticks * factor, options.MaxCooldown.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Whether the failure rate over the window (with the outcome just reported) calls for a cooldown.</summary>
    public static bool FailureRateExceeded(SessionProxyHealth window, SessionRotationOptions options) =>
        options.FailureRateThreshold is { } threshold
        && window.Requests >= options.FailureRateMinimumRequests
        && (double)window.Failures / window.Requests >= threshold;

    /// <summary>Picks an index with probability proportional to its weight (zero weights never); -1 when all are zero.</summary>
    public static int PickWeighted(ReadOnlySpan<double> weights, double total, Random random)
    {
        if (total <= 0)
        {
            return -1;
        }

        var target = random.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            last = i;
            target -= weights[i];
            if (target < 0)
            {
                return i;
            }
        }

        return last; // rounding left a sliver: the last positive weight takes it
    }
}

/// <summary>Where a session proxy stands for rotation.</summary>
public enum SessionProxyState
{
    /// <summary>Takes requests up to its in-flight cap and hourly limit.</summary>
    Available,

    /// <summary>Back from a cooldown: takes one request at a time until one succeeds.</summary>
    Probation,

    /// <summary>Skipped until its cooldown ends.</summary>
    CoolingDown,

    /// <summary>Set disabled by an operator.</summary>
    Disabled,
}
