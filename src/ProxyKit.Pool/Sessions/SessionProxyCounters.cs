namespace ProxyKit.Pool.Sessions;

/// <summary>
/// Counter changes not yet written: a request handed out or reported touches memory only, and
/// <see cref="SessionProxyFlusher"/> writes the sums in one transaction per interval. A crash loses at most one interval
/// of statistics; limits are not counted here (the coordination backend enforces them).
/// </summary>
internal sealed class SessionProxyCounters
{
    private readonly Dictionary<long, Pending> _pending = [];
    private readonly Lock _lock = new();

    /// <summary>Gets whether anything waits to be written.</summary>
    public bool IsEmpty
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count == 0;
            }
        }
    }

    /// <summary>Counts a request handed out at <paramref name="now"/> towards the proxy's hour.</summary>
    public void RecordHandedOut(long proxyId, DateTimeOffset now)
    {
        lock (_lock)
        {
            Of(proxyId, now).HourRequests++;
        }
    }

    /// <summary>Counts a reported outcome; <paramref name="countsTowardsHour"/> when no hand-out counted the request already.</summary>
    public void RecordOutcome(long proxyId, bool failed, bool blocked, double? latencyMs, bool countsTowardsHour, DateTimeOffset now)
    {
        var minute = SessionProxyClock.MinuteOf(now);
        lock (_lock)
        {
            var pending = Of(proxyId, now);
            pending.Total++;
            pending.Failed += failed ? 1 : 0;
            pending.Blocked += blocked ? 1 : 0;
            pending.HourRequests += countsTowardsHour ? 1 : 0;
            pending.Buckets.TryGetValue(minute, out var bucket);
            pending.Buckets[minute] = bucket + Outcome(failed, blocked, latencyMs);
        }
    }

    /// <summary>Gets the outcomes of <paramref name="proxyId"/> not yet written, since <paramref name="windowStart"/>.</summary>
    public SessionProxyHealth PendingHealth(long proxyId, DateTimeOffset windowStart)
    {
        lock (_lock)
        {
            var health = default(SessionProxyHealth);
            if (_pending.TryGetValue(proxyId, out var pending))
            {
                foreach (var (bucket, outcomes) in pending.Buckets)
                {
                    health += bucket >= windowStart ? outcomes : default;
                }
            }

            return health;
        }
    }

    /// <summary>Takes everything pending; give it back with <see cref="Restore"/> if writing it fails.</summary>
    public IReadOnlyList<SessionProxyDelta> Drain()
    {
        lock (_lock)
        {
            var deltas = _pending.Select(static p => p.Value.ToDelta(p.Key)).ToList();
            _pending.Clear();
            return deltas;
        }
    }

    /// <summary>Puts back deltas that could not be written, merged with what arrived since.</summary>
    public void Restore(IEnumerable<SessionProxyDelta> deltas)
    {
        lock (_lock)
        {
            foreach (var delta in deltas)
            {
                var pending = Of(delta.ProxyId, delta.LastUsedAt);
                pending.Total += delta.Total;
                pending.Failed += delta.Failed;
                pending.Blocked += delta.Blocked;
                if (pending.Hour == delta.Hour)
                {
                    pending.HourRequests += delta.HourRequests;
                }

                foreach (var (minute, outcomes) in delta.Buckets)
                {
                    pending.Buckets.TryGetValue(minute, out var bucket);
                    pending.Buckets[minute] = bucket + outcomes;
                }
            }
        }
    }

    private static SessionProxyHealth Outcome(bool failed, bool blocked, double? latencyMs) => new(
        failed ? 0 : 1, failed ? 1 : 0, blocked ? 1 : 0, latencyMs is { } ms ? (long)Math.Round(ms) : 0, latencyMs is null ? 0 : 1);

    // Callers hold _lock. A request in a later hour than the pending one starts that hour's count afresh.
    private Pending Of(long proxyId, DateTimeOffset now)
    {
        var hour = SessionProxyClock.HourOf(now);
        if (!_pending.TryGetValue(proxyId, out var pending))
        {
            _pending[proxyId] = pending = new Pending { Hour = hour, LastUsedAt = now };
        }

        if (hour > pending.Hour)
        {
            pending.Hour = hour;
            pending.HourRequests = 0;
        }

        if (now > pending.LastUsedAt)
        {
            pending.LastUsedAt = now;
        }

        return pending;
    }

    private sealed class Pending
    {
        public long Total { get; set; }

        public long Failed { get; set; }

        public long Blocked { get; set; }

        public DateTimeOffset Hour { get; set; }

        public long HourRequests { get; set; }

        public DateTimeOffset LastUsedAt { get; set; }

        public Dictionary<DateTimeOffset, SessionProxyHealth> Buckets { get; } = [];

        public SessionProxyDelta ToDelta(long proxyId) => new(proxyId, Total, Failed, Blocked, Hour, HourRequests, LastUsedAt, Buckets);
    }
}
