using System.Collections.Concurrent;

namespace ProxyKit.Coordination;

/// <summary>
/// A keyed concurrency limiter inside one process (the default without Redis). Thread-safe; lease expiry follows the
/// <see cref="TimeProvider"/>; a key is dropped when its last lease is released, so memory stays bounded by the keys in use.
/// </summary>
public sealed class InProcessKeyedConcurrencyLimiter : IKeyedConcurrencyLimiter
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a limiter.</summary>
    public InProcessKeyedConcurrencyLimiter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the number of keys currently tracked (for tests and diagnostics).</summary>
    public int TrackedKeys => _entries.Count;

    /// <inheritdoc />
    public ValueTask<ConcurrencyDecision> TryAcquireAsync(string key, int limit, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(key);
        CoordinationNames.ThrowIfInvalidLease(limit, leaseDuration);
        cancellationToken.ThrowIfCancellationRequested();

        var now = _timeProvider.GetUtcNow();
        while (true)
        {
            var entry = _entries.GetOrAdd(key, static _ => new Entry());
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // emptied and dropped between GetOrAdd and lock: take a fresh entry
                }

                entry.Purge(now);
                if (entry.Leases.Count >= limit)
                {
                    return ValueTask.FromResult(new ConcurrencyDecision(false, null, entry.Leases.Values.Min(), entry.Leases.Count));
                }

                var id = Guid.NewGuid().ToString("N");
                var expiresAt = now + leaseDuration;
                entry.Leases.Add(id, expiresAt);
                return ValueTask.FromResult(new ConcurrencyDecision(true, id, expiresAt, entry.Leases.Count));
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(key);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return ValueTask.FromResult(false);
        }

        lock (entry)
        {
            entry.Purge(_timeProvider.GetUtcNow());
            var released = entry.Leases.Remove(leaseId);
            if (entry.Leases.Count == 0 && !entry.Removed)
            {
                entry.Removed = true;
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }

            return ValueTask.FromResult(released);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<int>> CountAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var now = _timeProvider.GetUtcNow();
        var counts = new int[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            CoordinationNames.ThrowIfInvalidKey(keys[i]);
            if (_entries.TryGetValue(keys[i], out var entry))
            {
                lock (entry)
                {
                    entry.Purge(now);
                    counts[i] = entry.Leases.Count;
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<int>>(counts);
    }

    private sealed class Entry
    {
        public Dictionary<string, DateTimeOffset> Leases { get; } = new(StringComparer.Ordinal);

        public bool Removed { get; set; }

        public void Purge(DateTimeOffset now)
        {
            if (Leases.Count == 0)
            {
                return;
            }

            foreach (var (id, expiresAt) in Leases)
            {
                if (expiresAt <= now)
                {
                    Leases.Remove(id);
                }
            }
        }
    }
}
