using System.Collections.Concurrent;

namespace ProxyKit.Coordination;

/// <summary>
/// A keyed rate limiter inside one process (the default without Redis). Thread-safe; time comes from the
/// <see cref="TimeProvider"/>; keys idle for longer than their window are swept so memory stays bounded by
/// the number of active keys.
/// </summary>
public sealed class InProcessKeyedRateLimiter : IKeyedRateLimiter
{
    private const int SweepEvery = 4096;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private int _callsSinceSweep;

    /// <summary>Creates a limiter.</summary>
    public InProcessKeyedRateLimiter(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the number of keys currently tracked (for tests and diagnostics).</summary>
    public int TrackedKeys => _entries.Count;

    /// <inheritdoc />
    public ValueTask<RateLimitDecision> TryAcquireAsync(string key, RateLimitRule rule, int permits = 1, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(key);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permits, rule.PermitLimit);
        cancellationToken.ThrowIfCancellationRequested();

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (Interlocked.Increment(ref _callsSinceSweep) >= SweepEvery)
        {
            Sweep(now);
        }

        while (true)
        {
            var entry = _entries.GetOrAdd(key, static _ => new Entry());
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // swept between GetOrAdd and lock: take a fresh entry
                }

                var decision = rule.Algorithm == RateLimitAlgorithm.FixedWindow
                    ? entry.AcquireFixed(now, rule, permits)
                    : entry.AcquireSliding(now, rule, permits);
                return ValueTask.FromResult(decision);
            }
        }
    }

    private void Sweep(long now)
    {
        Interlocked.Exchange(ref _callsSinceSweep, 0);
        foreach (var (key, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.IdleUntil <= now)
                {
                    entry.Removed = true;
                    _entries.TryRemove(KeyValuePair.Create(key, entry));
                }
            }
        }
    }

    private sealed class Entry
    {
        // Fixed window: the window's index and its count. Sliding window: the times of permits still inside it.
        private long _windowIndex = long.MinValue;
        private int _count;
        private Queue<long>? _log;

        public bool Removed { get; set; }

        public long IdleUntil { get; private set; }

        public RateLimitDecision AcquireFixed(long now, RateLimitRule rule, int permits)
        {
            var windowMs = (long)rule.Window.TotalMilliseconds;
            var index = Math.DivRem(now, windowMs, out var intoWindow);
            if (index != _windowIndex)
            {
                _windowIndex = index;
                _count = 0;
            }

            IdleUntil = (index + 1) * windowMs;
            if (_count + permits > rule.PermitLimit)
            {
                return new RateLimitDecision(false, rule.PermitLimit - _count, TimeSpan.FromMilliseconds(windowMs - intoWindow));
            }

            _count += permits;
            return new RateLimitDecision(true, rule.PermitLimit - _count, TimeSpan.Zero);
        }

        public RateLimitDecision AcquireSliding(long now, RateLimitRule rule, int permits)
        {
            var windowMs = (long)rule.Window.TotalMilliseconds;
            var log = _log ??= new Queue<long>();

            // The window is (now - window, now]: a permit taken exactly one window ago has expired.
            while (log.Count > 0 && log.Peek() <= now - windowMs)
            {
                log.Dequeue();
            }

            if (log.Count + permits > rule.PermitLimit)
            {
                IdleUntil = Math.Max(IdleUntil, log.Count > 0 ? log.Peek() + windowMs : now);
                var retry = log.Count > 0 ? log.Peek() + windowMs - now : windowMs;
                return new RateLimitDecision(false, rule.PermitLimit - log.Count, TimeSpan.FromMilliseconds(retry));
            }

            for (var i = 0; i < permits; i++)
            {
                log.Enqueue(now);
            }

            IdleUntil = now + windowMs;
            return new RateLimitDecision(true, rule.PermitLimit - log.Count, TimeSpan.Zero);
        }
    }
}
