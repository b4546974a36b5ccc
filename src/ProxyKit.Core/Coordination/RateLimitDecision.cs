namespace ProxyKit.Coordination;

/// <summary>The answer of a keyed rate limiter.</summary>
/// <param name="IsAllowed">Whether the permits were granted (and counted).</param>
/// <param name="Remaining">Permits left in the window after this decision.</param>
/// <param name="RetryAfter">When denied: how long until a permit is expected to free up; zero when allowed.</param>
public readonly record struct RateLimitDecision(bool IsAllowed, int Remaining, TimeSpan RetryAfter);
