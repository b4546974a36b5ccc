using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>What a judge sees for a direct request from this host: its address for us and the header names of our request.</summary>
internal sealed record JudgeBaseline(IPAddress? RemoteAddress, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// Direct requests to each judge, cached for 5 minutes (15 seconds after a failure) and shared by concurrent checks.
/// A baseline is fetched with its own timeout (<see cref="CheckingOptions.CheckTimeout"/>), not under any one caller's token.
/// </summary>
internal sealed class JudgeBaselines(IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger logger)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(15);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<JudgeBaseline?> GetAsync(JudgeTarget judge, CancellationToken cancellationToken)
    {
        var key = judge.Url.AbsoluteUri;
        var entry = _entries.GetOrAdd(key, _ => new Entry(FetchAsync(judge), timeProvider.GetTimestamp()));
        if (entry.Task.IsCompleted)
        {
            var age = timeProvider.GetElapsedTime(entry.Created);
            var stale = entry.Task.IsCompletedSuccessfully && entry.Task.Result is not null ? age > Lifetime : age > FailureLifetime;
            if (stale)
            {
                var fresh = new Entry(FetchAsync(judge), timeProvider.GetTimestamp());
                entry = _entries.TryUpdate(key, fresh, entry) ? fresh : _entries[key];
            }
        }

        return await entry.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<JudgeBaseline?> FetchAsync(JudgeTarget judge)
    {
        await Task.Yield();
        using var timeout = new CancellationTokenSource(options.Value.Checking.CheckTimeout, timeProvider);
        try
        {
            var address = judge.Address ?? (await Dns.GetHostAddressesAsync(judge.Host, timeout.Token).ConfigureAwait(false))[0];
            using var channel = await ProxyConnector.ConnectAsync(new IPEndPoint(address, judge.Port), timeout.Token).ConfigureAwait(false);
            var token = ProxyConnector.NewToken();
            await ProxyConnector.SendJudgeRequestAsync(channel, judge, token, absolute: false, context: null, timeout.Token).ConfigureAwait(false);
            var head = await channel.Reader.ReadHeadAsync(timeout.Token).ConfigureAwait(false);
            if (head.StatusCode is < 200 or > 299)
            {
                throw new ProxyCheckFailure($"HTTP {head.StatusCode}");
            }

            var body = await channel.Reader.ReadBodyAsync(head, options.Value.Checking.MaxJudgeBodyBytes, timeout.Token).ConfigureAwait(false);
            var echo = JudgeEcho.TryParse(body);
            if (echo is null || echo.Token != token)
            {
                throw new ProxyCheckFailure("the answer is not an echo of our request");
            }

            CheckingLog.JudgeBaseline(logger, judge.ToString(), echo.RemoteAddress?.ToString(), echo.Headers.Count);
            return new JudgeBaseline(echo.RemoteAddress, echo.Headers);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            var reason = timeout.IsCancellationRequested ? "timed out" : ProxyCheckFailure.Describe(exception);
            CheckingLog.JudgeUnavailable(logger, judge.ToString(), reason);
            return null;
        }
    }

    private sealed record Entry(Task<JudgeBaseline?> Task, long Created);
}
