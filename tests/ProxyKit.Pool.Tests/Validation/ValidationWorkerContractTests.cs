using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Checking;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Tests.Checking;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Pool.Validation;
using ProxyKit.Secrets;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Validation;

/// <summary>A validation round end to end: claim, real checks against fake proxies and a loopback judge, score, store, reschedule.</summary>
public abstract class ValidationWorkerContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    [SkippableFact]
    public async Task Rounds_WorkingAndRefusingProxies_BecomeActiveAndDeadWithScoresHistoryAndBackoff()
    {
        await using var judge = new LoopbackJudge();
        // Its own loopback address, so the judge sees an exit that is not ours.
        await using var elite = FakeProxy.Http(IPAddress.Parse("127.0.0.77"), new FakeHttpBehaviour());
        var refusing = UnusedPort();
        var pool = await CreatePoolAsync(o =>
        {
            o.Checking.JudgeUrls.Add(judge.Url);
            o.Checking.CheckTimeout = TimeSpan.FromSeconds(2);
        });
        await pool.IngestAsync("s", Start,
            new ParsedProxy("127.0.0.77", elite.EndPoint.Port, "http", null, null),
            new ParsedProxy("127.0.0.1", refusing, "http", null, null));
        var workingId = await pool.IdOfAsync("127.0.0.77", elite.EndPoint.Port);
        var refusingId = await pool.IdOfAsync("127.0.0.1", refusing);

        await RoundAsync(pool, Start);

        var working = (await pool.Pool.GetAsync(workingId))!;
        working.Proxy.Status.ShouldBe("active");
        working.Proxy.Anonymity.ShouldBe("elite");
        working.Proxy.Score.ShouldBeGreaterThan(0);
        working.Proxy.UptimePct!.Value.ShouldBe(20.65, 0.1, "one success of one: the Wilson lower bound");
        working.Proxy.AvgLatencyMs.ShouldNotBeNull();
        working.RecentChecks.Select(c => c.CheckerName).ShouldBe(["tcp_connect", "protocol_handshake", "http_anonymity"], ignoreOrder: true);
        var dead = (await pool.Pool.GetAsync(refusingId))!;
        dead.Proxy.Status.ShouldBe("dead");
        dead.Proxy.Score.ShouldBe(0);
        dead.RecentChecks.Single().Detail!.ShouldContain("refused");

        // The refusing proxy backs off (10 min ± 20%), the working one comes back within 5-10 min ± 10%.
        var store = pool.Services.GetRequiredService<ValidationStore>();
        (await store.ClaimDueAsync("probe", 10, Start.AddMinutes(4), TimeSpan.FromSeconds(1), default)).ShouldBeEmpty();
        var dueLater = await store.ClaimDueAsync("probe", 10, Start.AddMinutes(13), TimeSpan.FromSeconds(1), default);
        dueLater.Select(c => c.Id).ShouldBe([workingId, refusingId], ignoreOrder: true);

        // More successes raise the score; a second failure doubles the back-off.
        await RoundAsync(pool, Start.AddMinutes(14));
        (await pool.Pool.GetAsync(workingId))!.Proxy.Score.ShouldBeGreaterThan(working.Proxy.Score);
        (await store.ClaimDueAsync("probe", 10, Start.AddMinutes(14 + 15), TimeSpan.FromSeconds(1), default)).Select(c => c.Id).ShouldNotContain(refusingId);
    }

    [SkippableFact]
    public async Task Round_JudgeDown_LeavesTheProxyAsItWasAndDueAgainSoon()
    {
        var judge = new LoopbackJudge();
        var judgeUrl = judge.Url;
        await judge.DisposeAsync(); // nothing answers there now
        await using var elite = FakeProxy.Http(IPAddress.Parse("127.0.0.78"), new FakeHttpBehaviour());
        var pool = await CreatePoolAsync(o =>
        {
            o.Checking.JudgeUrls.Add(judgeUrl);
            o.Checking.CheckTimeout = TimeSpan.FromSeconds(2);
        });
        await pool.IngestAsync("s", Start, new ParsedProxy("127.0.0.78", elite.EndPoint.Port, "http", null, null));
        var id = await pool.IdOfAsync("127.0.0.78", elite.EndPoint.Port);

        await RoundAsync(pool, Start);

        var proxy = (await pool.Pool.GetAsync(id))!;
        proxy.Proxy.Status.ShouldBe("unchecked", "an outage of our judge says nothing about the proxy");
        proxy.RecentChecks.ShouldBeEmpty();
        var store = pool.Services.GetRequiredService<ValidationStore>();
        (await store.ClaimDueAsync("probe", 10, Start.AddSeconds(30), TimeSpan.FromSeconds(1), default)).ShouldBeEmpty();
        (await store.ClaimDueAsync("probe", 10, Start.AddMinutes(2), TimeSpan.FromSeconds(1), default)).Single().Evidence.ChecksTotal.ShouldBe(0);
    }

    private static async Task RoundAsync(PoolHarness pool, DateTimeOffset at)
    {
        var clock = new ManualTimeProvider(at);
        var services = pool.Services;
        var options = services.GetRequiredService<IOptions<PoolOptions>>();
        var worker = new ValidationWorker(services, options, clock, NullLogger<ValidationWorker>.Instance);
        var store = services.GetRequiredService<ValidationStore>();
        var claims = await store.ClaimDueAsync("worker", 100, at, TimeSpan.FromMinutes(1), default);
        await Task.WhenAll(claims.Select(c => worker.CheckAsync(
            c, store, services.GetRequiredService<ProxyCheckRunner>(), services.GetRequiredService<SecretProtector>(),
            services.GetRequiredService<IPoolEvents>(), "worker", options.Value.Validation, default)));
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class SqliteValidationWorkerTests() : ValidationWorkerContractTests(TestEngine.Sqlite);

public sealed class PostgresValidationWorkerTests() : ValidationWorkerContractTests(TestEngine.Postgres);
