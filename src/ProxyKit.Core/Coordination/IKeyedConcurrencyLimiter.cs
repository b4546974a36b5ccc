namespace ProxyKit.Coordination;

/// <summary>
/// Caps how many leases a key (a proxy, a worker slot) holds at once, shared by every host when a shared backend (Redis)
/// is configured, in-process otherwise. Leases expire, so a holder that crashes or forgets to release frees its slot.
/// </summary>
public interface IKeyedConcurrencyLimiter
{
    /// <summary>Takes a lease on <paramref name="key"/> if fewer than <paramref name="limit"/> unexpired leases are held.</summary>
    /// <param name="key">The limited subject, 1 to 256 characters.</param>
    /// <param name="limit">How many leases the key may hold at once, at least 1.</param>
    /// <param name="leaseDuration">How long the lease lives unless released, from 1 ms to 1 day.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<ConcurrencyDecision> TryAcquireAsync(string key, int limit, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Releases a lease early. Returns false when it was unknown, already released or expired.</summary>
    ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default);

    /// <summary>Counts the unexpired leases of each key, in the order given.</summary>
    ValueTask<IReadOnlyList<int>> CountAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);
}

/// <summary>The answer of a keyed concurrency limiter.</summary>
/// <param name="IsAcquired">Whether a lease was taken.</param>
/// <param name="LeaseId">The lease to release, when taken.</param>
/// <param name="ExpiresAt">When taken: when the lease expires. When denied: when the earliest held lease expires.</param>
/// <param name="InUse">Leases held on the key after this decision.</param>
public readonly record struct ConcurrencyDecision(bool IsAcquired, string? LeaseId, DateTimeOffset ExpiresAt, int InUse);
