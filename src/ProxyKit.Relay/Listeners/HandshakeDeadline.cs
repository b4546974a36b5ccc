namespace ProxyKit.Relay.Listeners;

/// <summary>
/// The time a client has to finish its handshake. Sessions call <see cref="Complete"/> once the handshake is done, which
/// stops the timer, so a long tunnel is never mistaken for a slow handshake.
/// </summary>
internal sealed class HandshakeDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private int _completed;

    public HandshakeDeadline(TimeSpan timeout, TimeProvider timeProvider, CancellationToken connectionClosing)
    {
        _timeout = new CancellationTokenSource(timeout, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, connectionClosing);
    }

    public CancellationToken Token => _linked.Token;

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public bool Expired => Volatile.Read(ref _completed) == 0 && _timeout.IsCancellationRequested;

    public void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
