using System.Diagnostics;
using System.Diagnostics.Metrics;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Relay.Diagnostics;

/// <summary>
/// A listener's counters: lock-free (<see cref="Interlocked"/>) fields read into <see cref="RelayListenerStats"/>, mirrored to
/// <see cref="System.Diagnostics.Metrics"/> instruments of the <c>ProxyKit.Relay</c> meter tagged with the listener name.
/// </summary>
internal sealed class RelayCounters
{
    public const string MeterName = "ProxyKit.Relay";

    private static readonly Meter RelayMeter = new(MeterName, typeof(RelayCounters).Assembly.GetName().Version?.ToString());
    private static readonly Counter<long> AcceptedCounter = RelayMeter.CreateCounter<long>("proxykit.relay.connections.accepted", "{connection}", "Client connections accepted.");
    private static readonly UpDownCounter<long> ActiveCounter = RelayMeter.CreateUpDownCounter<long>("proxykit.relay.connections.active", "{connection}", "Client connections open now.");
    private static readonly Counter<long> FailedCounter = RelayMeter.CreateCounter<long>("proxykit.relay.connections.failed", "{connection}", "Client connections that ended without a tunnel, by reason.");
    private static readonly Counter<long> BytesCounter = RelayMeter.CreateCounter<long>("proxykit.relay.bytes", "By", "Bytes relayed; direction=upstream (client to target) or downstream.");

    private readonly TimeProvider _timeProvider;
    private readonly long[] _failures = new long[Enum.GetValues<RelayFailureReason>().Length];
    private readonly KeyValuePair<string, object?> _listenerTag;
    private readonly TagList _upstreamTags;
    private readonly TagList _downstreamTags;
    private long _accepted;
    private long _active;
    private long _bytesSent;
    private long _bytesReceived;
    private long _lastActivityTicks;
    private long _startedTimestamp;

    public RelayCounters(string listenerName, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _listenerTag = new("proxykit.listener", listenerName);
        _upstreamTags = new TagList { _listenerTag, { "direction", "upstream" } };
        _downstreamTags = new TagList { _listenerTag, { "direction", "downstream" } };
    }

    public long Active => Interlocked.Read(ref _active);

    /// <summary>Ticks (UTC) of the last activity; read by the idle sweeper.</summary>
    public long LastActivityTicks => Interlocked.Read(ref _lastActivityTicks);

    public void Started() => _startedTimestamp = _timeProvider.GetTimestamp();

    public void Accepted()
    {
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _active);
        Touch();
        AcceptedCounter.Add(1, _listenerTag);
        ActiveCounter.Add(1, _listenerTag);
    }

    public void Closed()
    {
        Interlocked.Decrement(ref _active);
        ActiveCounter.Add(-1, _listenerTag);
    }

    public void Failed(RelayFailureReason reason)
    {
        Interlocked.Increment(ref _failures[(int)reason]);
        FailedCounter.Add(1, _listenerTag, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    public void Sent(int bytes)
    {
        Interlocked.Add(ref _bytesSent, bytes);
        BytesCounter.Add(bytes, _upstreamTags);
    }

    public void Received(int bytes)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        BytesCounter.Add(bytes, _downstreamTags);
    }

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, _timeProvider.GetUtcNow().UtcTicks);

    public RelayListenerStats Snapshot()
    {
        var failures = new Dictionary<RelayFailureReason, long>();
        long failed = 0;
        foreach (var reason in Enum.GetValues<RelayFailureReason>())
        {
            var count = Interlocked.Read(ref _failures[(int)reason]);
            if (count > 0)
            {
                failures[reason] = count;
                failed += count;
            }
        }

        var last = Interlocked.Read(ref _lastActivityTicks);
        return new RelayListenerStats(
            Interlocked.Read(ref _accepted),
            Interlocked.Read(ref _active),
            failed,
            failures,
            Interlocked.Read(ref _bytesSent),
            Interlocked.Read(ref _bytesReceived),
            last == 0 ? null : new DateTimeOffset(last, TimeSpan.Zero),
            _startedTimestamp == 0 ? TimeSpan.Zero : _timeProvider.GetElapsedTime(_startedTimestamp));
    }
}
