namespace ProxyKit.Relay.Tunnels;

/// <summary>A token bucket shared by every tunnel of a listener: a burst of one second's worth, refilled continuously.</summary>
internal sealed class BandwidthLimiter(long bytesPerSecond, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private double _tokens = bytesPerSecond;
    private long _lastRefill = timeProvider.GetTimestamp();

    /// <summary>Takes <paramref name="bytes"/> tokens, waiting as long as the deficit takes to refill.</summary>
    public async ValueTask WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = timeProvider.GetTimestamp();
            _tokens = Math.Min(bytesPerSecond, _tokens + (timeProvider.GetElapsedTime(_lastRefill, now).TotalSeconds * bytesPerSecond));
            _lastRefill = now;
            _tokens -= bytes; // may go negative: later callers wait for the debt too, so the average rate holds
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / bytesPerSecond);
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
