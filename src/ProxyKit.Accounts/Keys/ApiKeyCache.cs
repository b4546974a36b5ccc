using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ProxyKit.Accounts.Keys;

/// <summary>
/// Positive verification results by key hash, each until its own expiry, at most <see cref="Capacity"/> of them.
/// Over capacity, one caller sweeps: expired entries go first, then arbitrary ones (hash order is random) down to 90%.
/// </summary>
internal sealed class ApiKeyCache(int capacity)
{
    private readonly ConcurrentDictionary<KeyHash, ApiKeyCacheEntry> _entries = new();
    private readonly Lock _evictGate = new();
    private int _count;

    public int Capacity { get; } = capacity;

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(KeyHash hash, long nowTicks, [NotNullWhen(true)] out ApiKeyCacheEntry? entry)
    {
        if (_entries.TryGetValue(hash, out entry) && nowTicks < entry.ExpiresAtTicks)
        {
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>Adds or replaces the entry for its hash; returns how many entries were evicted to stay within capacity.</summary>
    public int Set(ApiKeyCacheEntry entry, long nowTicks)
    {
        while (true)
        {
            if (_entries.TryAdd(entry.Hash, entry))
            {
                return Interlocked.Increment(ref _count) > Capacity ? Evict(nowTicks) : 0;
            }

            if (_entries.TryGetValue(entry.Hash, out var current) && _entries.TryUpdate(entry.Hash, entry, current))
            {
                return 0;
            }
        }
    }

    public void Remove(KeyHash hash)
    {
        if (_entries.TryRemove(hash, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Removes every entry of <paramref name="keyId"/> (a scan: revocations are rare, verifications are not).</summary>
    public int RemoveKey(string keyId)
    {
        var removed = 0;
        foreach (var pair in _entries)
        {
            if (string.Equals(pair.Value.Identity.KeyId, keyId, StringComparison.Ordinal) && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
                removed++;
            }
        }

        return removed;
    }

    public void Clear()
    {
        foreach (var pair in _entries)
        {
            if (_entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private int Evict(long nowTicks)
    {
        if (!_evictGate.TryEnter())
        {
            return 0; // someone else is sweeping
        }

        try
        {
            var evicted = 0;
            foreach (var pair in _entries)
            {
                if (pair.Value.ExpiresAtTicks <= nowTicks && _entries.TryRemove(pair))
                {
                    Interlocked.Decrement(ref _count);
                    evicted++;
                }
            }

            var target = Capacity / 10 * 9;
            foreach (var pair in _entries)
            {
                if (Volatile.Read(ref _count) <= target)
                {
                    break;
                }

                if (_entries.TryRemove(pair))
                {
                    Interlocked.Decrement(ref _count);
                    evicted++;
                }
            }

            return evicted;
        }
        finally
        {
            _evictGate.Exit();
        }
    }
}

/// <summary>One verified key in the cache.</summary>
internal sealed class ApiKeyCacheEntry(KeyHash hash, ApiKeyIdentity identity, long expiresAtTicks, long lastUseRecordedTicks)
{
    private long _lastUseRecordedTicks = lastUseRecordedTicks;

    public KeyHash Hash { get; } = hash;

    public ApiKeyIdentity Identity { get; } = identity;

    /// <summary>Gets the UTC ticks after which the entry is no longer used.</summary>
    public long ExpiresAtTicks { get; } = expiresAtTicks;

    /// <summary>Returns <see langword="true"/> to exactly one caller per <paramref name="intervalTicks"/>: the one that records the use.</summary>
    public bool TryClaimUseRecord(long nowTicks, long intervalTicks)
    {
        var last = Volatile.Read(ref _lastUseRecordedTicks);
        return nowTicks - last >= intervalTicks && Interlocked.CompareExchange(ref _lastUseRecordedTicks, nowTicks, last) == last;
    }
}
