using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool.Tests.Checking;

public sealed class ProxyCheckRunnerTests
{
    private static readonly ProxyCheckTarget Target = new(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 8080), "HTTP", null, null, null);

    [Fact]
    public async Task CheckAsync_StagesAscendingPriorityWithin_RunsInOrder()
    {
        var order = new List<string>();
        using var runner = Runner(
            [Scripted("c", 2, 5, order), Scripted("a", 1, 0, order), Scripted("d", 3, 0, order), Scripted("b", 2, 1, order)]);

        var report = await runner.CheckAsync(Target, CancellationToken.None);

        report.Passed.ShouldBeTrue();
        order.ShouldBe(["a", "b", "c", "d"]);
        report.Checks.Select(c => (c.Checker, c.Stage)).ShouldBe([("a", 1), ("b", 2), ("c", 2), ("d", 3)]);
    }

    [Fact]
    public async Task CheckAsync_FailedStage_FinishesTheStageAndStops()
    {
        var order = new List<string>();
        using var runner = Runner(
            [Scripted("a", 1, 0, order), Scripted("b", 2, 0, order, pass: false), Scripted("c", 2, 1, order), Scripted("d", 3, 0, order)]);

        var report = await runner.CheckAsync(Target, CancellationToken.None);

        report.Passed.ShouldBeFalse();
        order.ShouldBe(["a", "b", "c"]);
        report.Checks.Select(c => c.Passed).ShouldBe([true, false, true]);
    }

    [Fact]
    public async Task CheckAsync_CheckerPastTheTimeout_IsAFailedCheckAndTheRunStops()
    {
        var order = new List<string>();
        using var runner = Runner(
            [new DelegateProxyChecker("slow", 1, 0, async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return ProxyCheckResult.Pass(null, "never");
            }), Scripted("next", 2, 0, order)],
            timeout: TimeSpan.FromMilliseconds(100));

        var report = await runner.CheckAsync(Target, CancellationToken.None);

        report.Passed.ShouldBeFalse();
        report.Checks.Single().Detail.ShouldBe("timed out after 100 ms");
        order.ShouldBeEmpty();
    }

    [Fact]
    public async Task CheckAsync_CheckerIgnoringItsToken_StillTimesOut()
    {
        var release = new TaskCompletionSource<ProxyCheckResult>();
        using var runner = Runner([new DelegateProxyChecker("deaf", 1, 0, (_, _) => new ValueTask<ProxyCheckResult>(release.Task))], timeout: TimeSpan.FromMilliseconds(100));

        var report = await runner.CheckAsync(Target, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        report.Checks.Single().Detail.ShouldBe("timed out after 100 ms");
        release.SetResult(ProxyCheckResult.Pass(null, "late"));
    }

    [Fact]
    public async Task CheckAsync_CheckerThrows_IsAFailedCheckNamingTheType()
    {
        using var runner = Runner([new DelegateProxyChecker("boom", 1, 0, (_, _) => throw new InvalidDataException("secret detail"))]);

        var report = await runner.CheckAsync(Target, CancellationToken.None);

        report.Passed.ShouldBeFalse();
        report.Checks.Single().ShouldSatisfyAllConditions(
            c => c.Checker.ShouldBe("boom"),
            c => c.Passed.ShouldBeFalse(),
            c => c.Detail.ShouldBe("checker error: InvalidDataException"));
    }

    [Fact]
    public async Task CheckAsync_CallerCancels_Throws()
    {
        using var runner = Runner([new DelegateProxyChecker("slow", 1, 0, async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return ProxyCheckResult.Pass(null, "never");
        })]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Should.ThrowAsync<OperationCanceledException>(() => runner.CheckAsync(Target, cts.Token));
    }

    [Fact]
    public async Task CheckAsync_MaxConcurrentChecks_LimitsProxiesInFlight()
    {
        var inFlight = 0;
        var peak = 0;
        using var runner = Runner([new DelegateProxyChecker("count", 1, 0, async (_, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await Task.Delay(30, ct);
            Interlocked.Decrement(ref inFlight);
            return ProxyCheckResult.Pass(null, "ok");
        })], maxConcurrent: 2);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => runner.CheckAsync(Target, CancellationToken.None)));

        peak.ShouldBe(2);
    }

    [Fact]
    public async Task CheckAsync_Context_CarriesTargetAndFindingsFlowBetweenCheckers()
    {
        ProxyCheckContext? seen = null;
        using var runner = Runner(
        [
            new DelegateProxyChecker("exit", 1, 0, (ctx, _) =>
            {
                ctx.Findings.ExitIp = IPAddress.Parse("198.51.100.7");
                return ValueTask.FromResult(ProxyCheckResult.Pass(TimeSpan.FromMilliseconds(3), "ok"));
            }),
            new DelegateProxyChecker("look", 2, 0, (ctx, _) =>
            {
                seen = ctx;
                return ValueTask.FromResult(ProxyCheckResult.Pass(null, "ok"));
            }),
        ], geo: new FixedGeo());

        var report = await runner.CheckAsync(Target with { Username = "u", Password = "p" }, CancellationToken.None);

        seen!.Protocol.ShouldBe("http");
        seen.Username.ShouldBe("u");
        seen.Findings.ExitIp.ShouldBe(IPAddress.Parse("198.51.100.7"));
        report.Findings.Country.ShouldBe("NL"); // resolved from the exit address
        report.Checks[0].Latency.ShouldBe(TimeSpan.FromMilliseconds(3));
        report.Checks[1].Latency.ShouldNotBeNull(); // measured by the runner when the checker gives none
    }

    [Fact]
    public async Task CheckAsync_SourceCountry_WinsOverTheGeoResolver()
    {
        using var runner = Runner([], geo: new FixedGeo());

        var report = await runner.CheckAsync(Target with { SourceCountry = "fr" }, CancellationToken.None);

        report.Findings.Country.ShouldBe("FR");
        report.Passed.ShouldBeTrue();
    }

    [Fact]
    public async Task CheckAsync_NoJudgeConfigured_HttpProxyGetsOnlyTcpConnect()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var provider = new ServiceCollection().AddProxyKitPool().Services.BuildServiceProvider();
        var runner = provider.GetRequiredService<ProxyCheckRunner>();

        var report = await runner.CheckAsync(new ProxyCheckTarget((IPEndPoint)listener.LocalEndpoint, "http", null, null, null), CancellationToken.None);

        report.Checks.Select(c => c.Checker).ShouldBe(["tcp_connect"]);
        report.Passed.ShouldBeTrue();
        report.Findings.ProtocolConfirmed.ShouldBeNull();
    }

    [Fact]
    public void Runner_FromDependencyInjection_HasTheBuiltInCheckersInOrder()
    {
        using var provider = new ServiceCollection().AddProxyKitPool().Services.BuildServiceProvider();

        var runner = provider.GetRequiredService<ProxyCheckRunner>();

        runner.Checkers.Select(c => c.Name).ShouldBe(["tcp_connect", "protocol_handshake", "http_anonymity"]);
        provider.GetRequiredService<ProxyCheckRunner>().ShouldBeSameAs(runner);
    }

    private static ProxyCheckRunner Runner(IProxyChecker[] checkers, TimeSpan? timeout = null, int maxConcurrent = 1000, IGeoResolver? geo = null)
    {
        var options = new PoolOptions();
        options.Checking.CheckTimeout = timeout ?? TimeSpan.FromSeconds(5);
        options.Checking.MaxConcurrentChecks = maxConcurrent;
        return new ProxyCheckRunner(checkers, Options.Create(options), TimeProvider.System, NullLogger.Instance, geo);
    }

    private static DelegateProxyChecker Scripted(string name, int stage, int priority, List<string> order, bool pass = true) =>
        new(name, stage, priority, (_, _) =>
        {
            lock (order)
            {
                order.Add(name);
            }

            return ValueTask.FromResult(pass ? ProxyCheckResult.Pass(null, "ok") : ProxyCheckResult.Fail("no"));
        });

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class FixedGeo : IGeoResolver
    {
        public string? Resolve(IPAddress address) => address.Equals(IPAddress.Parse("198.51.100.7")) ? "NL" : "ZZ";
    }
}
