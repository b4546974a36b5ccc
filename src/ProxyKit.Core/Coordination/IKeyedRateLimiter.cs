namespace ProxyKit.Coordination;

/// <summary>
/// A rate limiter keyed by an arbitrary string (a proxy id, a client IP), shared by every host when a
/// shared backend (Redis) is configured, in-process otherwise. Keys are namespaced by the caller
/// (e.g. <c>proxy:42</c>); one key should always be used with the same rule.
/// </summary>
public interface IKeyedRateLimiter
{
    /// <summary>Takes <paramref name="permits"/> for <paramref name="key"/> if the rule allows it; a denial takes nothing.</summary>
    /// <param name="key">The limited subject, 1 to 256 characters.</param>
    /// <param name="rule">The limit to apply.</param>
    /// <param name="permits">Permits to take, from 1 to <see cref="RateLimitRule.PermitLimit"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<RateLimitDecision> TryAcquireAsync(string key, RateLimitRule rule, int permits = 1, CancellationToken cancellationToken = default);
}
