using System.Net;
using ProxyKit.Relay.Diagnostics;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Relay.Tunnels;

/// <summary>
/// One client connection's state: activity for the idle timeout, a token to close it, and its own byte counts, target
/// and outcome (added to the listener's counters as they happen, and reported once when it closes).
/// </summary>
internal sealed class ConnectionActivity(TimeProvider timeProvider, RelayCounters counters, EndPoint? client, CancellationToken listenerStopping) : IDisposable
{
    private readonly long _started = timeProvider.GetTimestamp();
    private readonly DateTimeOffset _startedAt = timeProvider.GetUtcNow();
    private long _lastActivity = timeProvider.GetTimestamp();
    private long _sent;
    private long _received;
    private RelayFailureReason? _failure;

    public CancellationTokenSource Closing { get; } = CancellationTokenSource.CreateLinkedTokenSource(listenerStopping);

    public TimeSpan Idle => timeProvider.GetElapsedTime(Interlocked.Read(ref _lastActivity));

    /// <summary>Gets or sets the destination the client asked for (the last one, for HTTP keep-alive).</summary>
    public string? Target { get; set; }

    public void Touch() => Interlocked.Exchange(ref _lastActivity, timeProvider.GetTimestamp());

    public void Sent(int bytes)
    {
        Interlocked.Add(ref _sent, bytes);
        counters.Sent(bytes);
    }

    public void Received(int bytes)
    {
        Interlocked.Add(ref _received, bytes);
        counters.Received(bytes);
    }

    public void Failed(RelayFailureReason reason)
    {
        _failure = reason;
        counters.Failed(reason);
    }

    public RelayConnectionRecord ToRecord() => new(
        _startedAt,
        timeProvider.GetElapsedTime(_started),
        client as IPEndPoint,
        Target,
        _failure,
        Interlocked.Read(ref _sent),
        Interlocked.Read(ref _received));

    public void Dispose() => Closing.Dispose();
}
