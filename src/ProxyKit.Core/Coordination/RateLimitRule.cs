namespace ProxyKit.Coordination;

/// <summary>How many permits a key may take per window.</summary>
public sealed record RateLimitRule
{
    /// <summary>Creates a rule.</summary>
    /// <param name="permitLimit">Permits per window, at least 1.</param>
    /// <param name="window">The window length, from 1 ms to 31 days.</param>
    /// <param name="algorithm">How windows are counted. Defaults to <see cref="RateLimitAlgorithm.SlidingWindow"/>.</param>
    public RateLimitRule(int permitLimit, TimeSpan window, RateLimitAlgorithm algorithm = RateLimitAlgorithm.SlidingWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitLimit, 1);
        if (window < TimeSpan.FromMilliseconds(1) || window > TimeSpan.FromDays(31))
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "A rate-limit window must be between 1 ms and 31 days.");
        }

        if (!Enum.IsDefined(algorithm))
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown rate-limit algorithm.");
        }

        PermitLimit = permitLimit;
        Window = window;
        Algorithm = algorithm;
    }

    /// <summary>Gets the permits per window.</summary>
    public int PermitLimit { get; }

    /// <summary>Gets the window length.</summary>
    public TimeSpan Window { get; }

    /// <summary>Gets how windows are counted.</summary>
    public RateLimitAlgorithm Algorithm { get; }
}

/// <summary>How a keyed rate limiter counts its window.</summary>
public enum RateLimitAlgorithm
{
    /// <summary>
    /// Permits taken in the last <see cref="RateLimitRule.Window"/> (a sliding log): never more than the limit
    /// in any window-long interval. Costs one entry per permit while it is inside the window.
    /// </summary>
    SlidingWindow,

    /// <summary>
    /// Permits taken in the current calendar-aligned window (e.g. this clock hour): one counter per key, but
    /// up to twice the limit can pass across a window boundary.
    /// </summary>
    FixedWindow,
}
