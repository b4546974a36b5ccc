using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// Runs the registered checkers against one proxy: stages in ascending order, checkers by priority within a stage; a
/// stage with a failed check is the last one run. Each checker gets <see cref="CheckingOptions.CheckTimeout"/> (a
/// linked token, and the runner stops waiting at the deadline even if the checker ignores it); at most
/// <see cref="CheckingOptions.MaxConcurrentChecks"/> proxies are checked at once; a checker that throws is a failed
/// check "checker error: Type", never a crashed run. Only the caller's cancellation escapes. Thread-safe singleton.
/// </summary>
internal sealed class ProxyCheckRunner : IDisposable
{
    private readonly IProxyChecker[][] _stages;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _gate;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IGeoResolver? _geo;

    public ProxyCheckRunner(
        IEnumerable<IProxyChecker> checkers, IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger logger, IGeoResolver? geo = null)
    {
        ArgumentNullException.ThrowIfNull(checkers);
        var checking = options.Value.Checking;
        _stages = [.. checkers
            .OrderBy(c => c.Stage).ThenBy(c => c.Priority).ThenBy(c => c.Name, StringComparer.Ordinal)
            .GroupBy(c => c.Stage)
            .Select(g => g.ToArray())];
        _timeout = checking.CheckTimeout;
        _gate = new SemaphoreSlim(checking.MaxConcurrentChecks, checking.MaxConcurrentChecks);
        _timeProvider = timeProvider;
        _logger = logger;
        _geo = geo;
    }

    /// <summary>Gets the checkers in run order.</summary>
    public IEnumerable<IProxyChecker> Checkers => _stages.SelectMany(s => s);

    public async Task<ProxyCheckReport> CheckAsync(ProxyCheckTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var context = new ProxyCheckContext(
                target.EndPoint, target.Protocol.Trim().ToLowerInvariant(), target.Username, target.Password, _timeout);
            var outcomes = new List<ProxyCheckOutcome>();
            var passed = true;
            foreach (var stage in _stages)
            {
                foreach (var checker in stage)
                {
                    if (checker is IConditionalProxyChecker conditional && !conditional.AppliesTo(context))
                    {
                        continue;
                    }

                    var outcome = await RunAsync(checker, context, target, ct).ConfigureAwait(false);
                    outcomes.Add(outcome);
                    passed &= outcome.Passed;
                }

                if (!passed)
                {
                    break;
                }
            }

            ResolveCountry(context, target);
            CheckingLog.Checked(_logger, target.ToString(), passed ? "passed" : "failed", outcomes.Count);
            return new ProxyCheckReport(passed, outcomes, context.Findings, LatencyOf(outcomes));
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<ProxyCheckOutcome> RunAsync(IProxyChecker checker, ProxyCheckContext context, ProxyCheckTarget target, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(_timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var started = _timeProvider.GetTimestamp();
        try
        {
            var result = await checker.CheckAsync(context, linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
            return new ProxyCheckOutcome(
                checker.Name, checker.Stage, result.Passed && !result.IsInconclusive, result.Latency ?? _timeProvider.GetElapsedTime(started), result.Detail ?? "",
                result.IsInconclusive);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            var milliseconds = (long)_timeout.TotalMilliseconds;
            CheckingLog.CheckerTimedOut(_logger, checker.Name, milliseconds, target.ToString());
            return new ProxyCheckOutcome(checker.Name, checker.Stage, false, _timeProvider.GetElapsedTime(started),
                $"timed out after {milliseconds.ToString(CultureInfo.InvariantCulture)} ms");
        }
        catch (Exception exception)
        {
            CheckingLog.CheckerThrew(_logger, exception, checker.Name, target.ToString());
            return new ProxyCheckOutcome(checker.Name, checker.Stage, false, _timeProvider.GetElapsedTime(started),
                "checker error: " + exception.GetType().Name);
        }
    }

    private void ResolveCountry(ProxyCheckContext context, ProxyCheckTarget target)
    {
        if (!string.IsNullOrWhiteSpace(target.SourceCountry))
        {
            context.Findings.Country = target.SourceCountry.Trim().ToUpperInvariant();
        }
        else if (context.Findings.Country is null && _geo is not null)
        {
            context.Findings.Country = _geo.Resolve(context.Findings.ExitIp ?? target.EndPoint.Address);
        }
    }

    private static TimeSpan? LatencyOf(List<ProxyCheckOutcome> outcomes)
    {
        foreach (var name in (ReadOnlySpan<string>)["http_anonymity", "protocol_handshake", "tcp_connect"])
        {
            var outcome = outcomes.Find(o => o.Checker == name && o.Passed);
            if (outcome is not null)
            {
                return outcome.Latency;
            }
        }

        return null;
    }
}
