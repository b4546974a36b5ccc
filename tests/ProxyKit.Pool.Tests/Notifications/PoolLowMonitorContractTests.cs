using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Notifications;

/// <summary><see cref="PoolLowMonitor"/> on a real database: one alert per dip, re-armed only above the hysteresis threshold, once per cluster.</summary>
public abstract class PoolLowMonitorContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    [SkippableFact]
    public async Task EvaluateAsync_Dip_FiresOnceAndAgainOnlyAfterRecoveringAboveTheRecoverThreshold()
    {
        var pool = await CreatePoolAsync();
        var events = new RecordingPoolEvents();
        var monitor = Monitor(pool.Database, events);

        (await monitor.EvaluateAsync(50, default)).ShouldBe(PoolAlertChange.None);
        (await monitor.EvaluateAsync(9, default)).ShouldBe(PoolAlertChange.Fired);
        (await monitor.EvaluateAsync(5, default)).ShouldBe(PoolAlertChange.None, "still low: already fired");
        (await monitor.EvaluateAsync(0, default)).ShouldBe(PoolAlertChange.None);
        (await monitor.EvaluateAsync(15, default)).ShouldBe(PoolAlertChange.None, "above the threshold but not above the recover threshold");
        (await monitor.EvaluateAsync(9, default)).ShouldBe(PoolAlertChange.None, "a dip without recovery does not fire again");
        (await monitor.EvaluateAsync(20, default)).ShouldBe(PoolAlertChange.None, "the recover threshold must be exceeded");
        (await monitor.EvaluateAsync(21, default)).ShouldBe(PoolAlertChange.Recovered);
        (await monitor.EvaluateAsync(30, default)).ShouldBe(PoolAlertChange.None);
        (await monitor.EvaluateAsync(10, default)).ShouldBe(PoolAlertChange.None, "10 is not under the threshold of 10");
        (await monitor.EvaluateAsync(2, default)).ShouldBe(PoolAlertChange.Fired);

        events.Published.Select(e => e.Type).ShouldBe(["proxy.pool_low", "proxy.pool_recovered", "proxy.pool_low"]);
        events.Published[0].Data["active_count"].ShouldBe(9);
        events.Published[0].Data["threshold"].ShouldBe(10);
        events.Published[2].Data["active_count"].ShouldBe(2);
    }

    [SkippableFact]
    public async Task EvaluateAsync_TwoHostsSharingTheDatabase_ADipFiresOnceInTotal()
    {
        var pool = await CreatePoolAsync();
        var otherDatabase = Track(pool.Test.OpenAnotherHost());
        var eventsA = new RecordingPoolEvents();
        var eventsB = new RecordingPoolEvents();
        var hostA = Monitor(pool.Database, eventsA);
        var hostB = Monitor(otherDatabase, eventsB);

        for (var round = 0; round < 3; round++)
        {
            // Both hosts see the dip at the same time, several checks in a row.
            for (var check = 0; check < 5; check++)
            {
                await Task.WhenAll(hostA.EvaluateAsync(3, default).AsTask(), hostB.EvaluateAsync(3, default).AsTask());
            }

            for (var check = 0; check < 5; check++)
            {
                await Task.WhenAll(hostA.EvaluateAsync(100, default).AsTask(), hostB.EvaluateAsync(100, default).AsTask());
            }
        }

        var all = eventsA.Published.Concat(eventsB.Published).ToList();
        all.Count(e => e.Type == "proxy.pool_low").ShouldBe(3, "one per dip, across both hosts");
        all.Count(e => e.Type == "proxy.pool_recovered").ShouldBe(3);
    }

    [SkippableFact]
    public async Task CheckAsync_ActiveProxies_CountedFromTheDatabase()
    {
        var pool = await CreatePoolAsync();
        var events = new RecordingPoolEvents();
        var monitor = Monitor(pool.Database, events);
        await pool.IngestAsync("0195f7a0-0000-7000-8000-00000000000a", Start, [.. Enumerable.Range(1, 12).Select(i => new ParsedProxy($"203.0.113.{i}", 8080, "http", null, null))]);
        await pool.ExecuteAsync("UPDATE pool_proxies SET status = 'active' WHERE port = 8080 AND ip IN ('203.0.113.1', '203.0.113.2', '203.0.113.3')");

        (await monitor.CountActiveAsync(default)).ShouldBe(3);
        (await monitor.CheckAsync(default)).ShouldBe(PoolAlertChange.Fired);

        events.Published.ShouldHaveSingleItem().Data["active_count"].ShouldBe(3);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_alerts WHERE name = 'proxy.pool_low' AND changed_at IS NOT NULL")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task EvaluateAsync_ThresholdZero_NeverFires()
    {
        var pool = await CreatePoolAsync();
        var events = new RecordingPoolEvents();
        var monitor = Monitor(pool.Database, events, threshold: 0, recover: 0);

        (await monitor.EvaluateAsync(0, default)).ShouldBe(PoolAlertChange.None);

        events.Published.ShouldBeEmpty();
    }

    private PoolLowMonitor Monitor(ProxyKitDatabase database, IPoolEvents events, int threshold = 10, int recover = 20)
    {
        var options = new PoolOptions();
        options.Notifications.PoolLowThreshold = threshold;
        options.Notifications.PoolLowRecoverThreshold = recover;
        return new PoolLowMonitor(database, events, Options.Create(options), Clock, NullLogger<PoolLowMonitor>.Instance);
    }
}

public sealed class SqlitePoolLowMonitorTests() : PoolLowMonitorContractTests(TestEngine.Sqlite);

public sealed class PostgresPoolLowMonitorTests() : PoolLowMonitorContractTests(TestEngine.Postgres);
