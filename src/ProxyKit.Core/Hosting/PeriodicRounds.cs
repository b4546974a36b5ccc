namespace ProxyKit.Hosting;

/// <summary>
/// The loop every ProxyKit background service runs: a round, then a wait on the <see cref="TimeProvider"/>, until the host
/// stops. A failing round is reported and the loop goes on at the next interval; stopping ends it quietly.
/// </summary>
public static class PeriodicRounds
{
    /// <summary>Runs <paramref name="round"/> now and then every <paramref name="interval"/> until <paramref name="stoppingToken"/> fires.</summary>
    /// <param name="round">One round of work.</param>
    /// <param name="interval">The wait after each round (read every time, so options changes apply).</param>
    /// <param name="onFailure">Called with a round's exception (not cancellation): log it.</param>
    /// <param name="timeProvider">The clock the waits run on.</param>
    /// <param name="stoppingToken">The host's stopping token.</param>
    public static async Task RunAsync(
        Func<CancellationToken, Task> round, Func<TimeSpan> interval, Action<Exception> onFailure, TimeProvider timeProvider, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(interval);
        ArgumentNullException.ThrowIfNull(onFailure);
        ArgumentNullException.ThrowIfNull(timeProvider);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await round(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    onFailure(ex);
                }

                await Task.Delay(interval(), timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
