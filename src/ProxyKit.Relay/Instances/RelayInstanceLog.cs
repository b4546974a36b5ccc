using ProxyKit.Relay.Listeners;

namespace ProxyKit.Relay.Instances;

/// <summary>One entry of an instance's log (the seed's "per-instance logs").</summary>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Event"><c>created</c>, <c>restored</c>, <c>renew_failed</c> or <c>connection</c>.</param>
/// <param name="Message">A one-line description.</param>
/// <param name="Connection">For <c>connection</c> entries: the finished client connection.</param>
public sealed record RelayInstanceLogEntry(DateTimeOffset Timestamp, string Event, string Message, RelayConnectionRecord? Connection = null);

/// <summary>The last N entries of one instance, in memory; the buffer is allocated on the first entry, so idle instances cost nothing.</summary>
internal sealed class RelayInstanceLog(int capacity)
{
    private readonly Lock _lock = new();
    private RelayInstanceLogEntry[]? _entries;
    private int _next;
    private int _count;

    public void Add(RelayInstanceLogEntry entry)
    {
        if (capacity == 0)
        {
            return;
        }

        lock (_lock)
        {
            _entries ??= new RelayInstanceLogEntry[capacity];
            _entries[_next] = entry;
            _next = (_next + 1) % capacity;
            _count = Math.Min(_count + 1, capacity);
        }
    }

    public void Add(RelayConnectionRecord connection) => Add(new RelayInstanceLogEntry(
        connection.StartedAt + connection.Duration,
        "connection",
        $"{connection.Client} -> {connection.Target ?? "(no target)"}: {(connection.Failure is { } failure ? failure.ToString() : "served")}, {connection.BytesSent} B up, {connection.BytesReceived} B down",
        connection));

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<RelayInstanceLogEntry> Snapshot()
    {
        lock (_lock)
        {
            if (_entries is null)
            {
                return [];
            }

            var result = new RelayInstanceLogEntry[_count];
            for (var i = 0; i < _count; i++)
            {
                result[i] = _entries[(_next - _count + i + capacity) % capacity];
            }

            return result;
        }
    }
}
