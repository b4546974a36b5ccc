using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Checking;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Proxies;
using ProxyKit.Secrets;

namespace ProxyKit.Pool.Validation;

/// <summary>
/// Checks proxies when they are due: claims a batch (never one another worker holds), runs each through the checker
/// stages concurrently (the runner bounds concurrency), scores the outcome and stores state, evidence, history and the
/// next due time. Any number of workers may run against one database.
/// </summary>
internal sealed partial class ValidationWorker(IServiceProvider services, IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger<ValidationWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan InconclusiveRetry = TimeSpan.FromMinutes(1);
    private readonly Random _jitter = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Resolved here, not in the constructor: options are validated before hosted services start, storage is not.
        var store = services.GetRequiredService<ValidationStore>();
        var runner = services.GetRequiredService<ProxyCheckRunner>();
        var protector = services.GetRequiredService<SecretProtector>();
        var events = services.GetRequiredService<IPoolEvents>();
        var settings = options.Value.Validation;
        var worker = options.Value.Scraping.WorkerId;
        var nextPrune = timeProvider.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                IReadOnlyList<CheckClaim> claims;
                try
                {
                    var now = timeProvider.GetUtcNow();
                    claims = await store.ClaimDueAsync(worker, settings.BatchSize, now, settings.ClaimDuration, stoppingToken).ConfigureAwait(false);
                    if (now >= nextPrune)
                    {
                        await store.PruneChecksAsync(now - settings.CheckHistoryRetention, stoppingToken).ConfigureAwait(false);
                        nextPrune = now + PruneInterval;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogClaimFailed(logger, ex);
                    await Task.Delay(settings.PollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (claims.Count == 0)
                {
                    await Task.Delay(settings.PollInterval, timeProvider, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await Task.WhenAll(claims.Select(claim => CheckAsync(claim, store, runner, protector, events, worker, settings, stoppingToken))).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Checks one claimed proxy and records the round (the claim expires by itself if this fails).</summary>
    internal async Task CheckAsync(
        CheckClaim claim, ValidationStore store, ProxyCheckRunner runner, SecretProtector protector, IPoolEvents events, string worker,
        ValidationOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            var password = claim.PasswordProtected is null ? null : protector.Unprotect(ProxyStore.CredentialsPurpose, claim.PasswordProtected);
            // The country a source stated (or an earlier check found) stands; the geo resolver fills it in otherwise.
            var target = new ProxyCheckTarget(new IPEndPoint(IPAddress.Parse(claim.Ip), claim.Port), claim.Protocol, claim.Username, password, claim.Country);
            var report = await runner.CheckAsync(target, cancellationToken).ConfigureAwait(false);
            var now = timeProvider.GetUtcNow();
            if (report.Inconclusive)
            {
                // Our side failed (a judge is down): no evidence either way; try again in a minute, jittered.
                await store.PostponeAsync(claim, worker, now + (InconclusiveRetry * (0.8 + (0.4 * _jitter.NextDouble()))), cancellationToken).ConfigureAwait(false);
                LogInconclusive(logger, claim.Id, report.Checks.LastOrDefault(c => c.Inconclusive)?.Detail);
                return;
            }

            var evidence = ProxyScoring.Record(claim.Evidence, now, report.Passed, report.Latency?.TotalMilliseconds, settings);
            var score = ProxyScoring.Score(evidence, now, settings);
            var findings = report.Findings;
            var state = new ProxyStateUpdate(
                report.Passed ? "active" : "dead",
                findings.Anonymity ?? claim.Anonymity,
                findings.ExitIp?.ToString() ?? claim.ExitIp,
                findings.Country ?? claim.Country,
                score,
                evidence.AvgLatencyMs,
                evidence.Successes + evidence.Failures > 0 ? 100 * ProxyScoring.UptimeLowerBound(evidence.Successes, evidence.Failures) : null,
                now);
            var checks = report.Checks.Select(c => new CheckRecord(c.Checker, c.Stage, c.Passed, c.Latency?.TotalMilliseconds, c.Detail)).ToList();
            var next = ProxyScoring.NextCheck(evidence, score, now, settings, _jitter);
            if (await store.RecordAsync(claim, worker, state, evidence, next, checks, now, cancellationToken).ConfigureAwait(false)
                && !report.Passed && claim.Evidence.ConsecutiveFailures == 0 && claim.Evidence.ChecksTotal > 0)
            {
                // It worked last time and stopped working now.
                await events.PublishAsync("proxy.dead", new Dictionary<string, object?>
                {
                    ["proxy_id"] = claim.Id, ["ip"] = claim.Ip, ["port"] = claim.Port, ["protocol"] = claim.Protocol,
                    ["reason"] = report.Checks.LastOrDefault(c => !c.Passed)?.Detail,
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCheckFailed(logger, claim.Id, ex);
        }
    }

    [LoggerMessage(EventId = 6400, Level = LogLevel.Warning, Message = "Claiming due proxy checks failed; retrying shortly")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6402, Level = LogLevel.Warning, Message = "Check of proxy {ProxyId} was inconclusive ({Detail}); postponed")]
    private static partial void LogInconclusive(ILogger logger, string proxyId, string? detail);

    [LoggerMessage(EventId = 6401, Level = LogLevel.Error, Message = "Checking proxy {ProxyId} failed unexpectedly")]
    private static partial void LogCheckFailed(ILogger logger, string proxyId, Exception exception);
}
