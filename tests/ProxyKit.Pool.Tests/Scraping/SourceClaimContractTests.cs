using System.Collections.Concurrent;
using ProxyKit.Pool.Sources;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Scraping;

/// <summary>Scrape claims (<see cref="SourceStore"/>): who may scrape a source, for how long, and who may record the outcome.</summary>
public abstract class SourceClaimContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    private const string Cron = "*/5 * * * *";

    [SkippableFact]
    public async Task ClaimDueAsync_MixedSources_ClaimsOnlyActiveDueUnclaimedOnesUpToMaxOldestDueFirst()
    {
        var pool = await CreatePoolAsync();
        var dueLater = await CreateAsync(pool, active: true);
        await CreateAsync(pool, active: false); // never claimed
        var held = await CreateAsync(pool, active: true);
        (await pool.Sources.ClaimAsync(held, "someone-else", Start, TimeSpan.FromMinutes(10), default)).ShouldNotBeNull();
        await SetNextRunAsync(pool, dueLater, Start.AddMinutes(1));
        var dueFirst = await CreateAsync(pool, active: true);
        await SetNextRunAsync(pool, dueFirst, Start.AddMinutes(-2));
        var dueSecond = await CreateAsync(pool, active: true);
        await SetNextRunAsync(pool, dueSecond, Start.AddMinutes(-1));
        var dueThird = await CreateAsync(pool, active: true);

        var first = await pool.Sources.ClaimDueAsync("w1", 2, Start, TimeSpan.FromMinutes(5), default);
        var second = await pool.Sources.ClaimDueAsync("w2", 10, Start, TimeSpan.FromMinutes(5), default);

        first.Select(c => c.Id).ShouldBe([dueFirst, dueSecond]);
        first.ShouldAllBe(c => c.ExpiresAt == Start.AddMinutes(5) && c.CronSchedule == Cron && c.ParserName == "plaintext");
        second.Select(c => c.Id).ShouldBe([dueThird]);
        (await pool.Sources.ClaimDueAsync("w3", 10, Start, TimeSpan.FromMinutes(5), default)).ShouldBeEmpty();
        (await pool.RowsAsync("SELECT id, claimed_by FROM pool_sources WHERE claimed_by IS NOT NULL")).ToDictionary(r => r["id"]!, r => r["claimed_by"])
            .ShouldBe(new Dictionary<string, string?> { [dueFirst] = "w1", [dueSecond] = "w1", [dueThird] = "w2", [held] = "someone-else" }, ignoreOrder: true);
    }

    [SkippableFact]
    public async Task ClaimDueAsync_ClaimExpired_AnotherWorkerTakesItOverAndTheFirstCannotComplete()
    {
        var pool = await CreatePoolAsync();
        var source = await CreateAsync(pool, active: true);
        (await pool.Sources.ClaimDueAsync("crashed", 10, Start, TimeSpan.FromMinutes(1), default)).Single().Id.ShouldBe(source);

        var whileHeld = await pool.Sources.ClaimDueAsync("rescuer", 10, Start.AddSeconds(59), TimeSpan.FromMinutes(1), default);
        var afterExpiry = await pool.Sources.ClaimDueAsync("rescuer", 10, Start.AddMinutes(1), TimeSpan.FromMinutes(1), default);
        var lateCompletion = await pool.Sources.CompleteAsync(source, "crashed", Start.AddMinutes(1.5), Start.AddHours(1), null, "late", default);
        var rescuerCompletion = await pool.Sources.CompleteAsync(source, "rescuer", Start.AddMinutes(1.5), Start.AddMinutes(5), null, "timeout", default);
        var secondCompletion = await pool.Sources.CompleteAsync(source, "rescuer", Start.AddMinutes(1.6), Start.AddHours(2), null, "again", default);

        whileHeld.ShouldBeEmpty();
        afterExpiry.Single().Id.ShouldBe(source);
        lateCompletion.ShouldBeFalse("the claim was taken over");
        rescuerCompletion.ShouldBeTrue();
        secondCompletion.ShouldBeFalse("a completed claim is released");
        var stored = (await pool.SourceService.GetAsync(source))!;
        stored.NextRunAt.ShouldBe(Start.AddMinutes(5));
        stored.Stats.ScrapeCount.ShouldBe(1);
        stored.Stats.LastError.ShouldBe("timeout");
        (await pool.ScalarAsync("SELECT claimed_by FROM pool_sources")).ShouldBeNull();
    }

    [SkippableFact]
    public async Task ClaimAsync_ManualClaim_IgnoresScheduleButNotAnotherClaim()
    {
        var pool = await CreatePoolAsync();
        var source = await CreateAsync(pool, active: false);

        var manual = await pool.Sources.ClaimAsync(source, "api", Start, TimeSpan.FromMinutes(1), default);
        var again = await pool.Sources.ClaimAsync(source, "api-2", Start.AddSeconds(30), TimeSpan.FromMinutes(1), default);
        var unknown = await pool.Sources.ClaimAsync(Guid.NewGuid().ToString(), "api", Start, TimeSpan.FromMinutes(1), default);

        manual.ShouldNotBeNull().Id.ShouldBe(source);
        again.ShouldBeNull();
        unknown.ShouldBeNull();
        (await pool.Sources.ClaimDueAsync("w", 10, Start.AddHours(1), TimeSpan.FromMinutes(1), default)).ShouldBeEmpty("inactive sources are never due");
    }

    [SkippableFact]
    public async Task ClaimDueAsync_EightHostsRacingFor50DueSources_EachClaimedExactlyOnce()
    {
        var pool = await CreatePoolAsync();
        var ids = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            ids.Add(await CreateAsync(pool, active: true));
        }

        var claims = new ConcurrentBag<(string Worker, string Id)>();
        using var start = new SemaphoreSlim(0);
        var workers = Enumerable.Range(0, 8).Select(async w =>
        {
            var host = pool.Test.OpenAnotherHost();
            await using (host)
            {
                var store = new SourceStore(host);
                await start.WaitAsync();
                for (var round = 0; round < 50; round++) // bounded, so a broken claim fails the test instead of hanging it
                {
                    var batch = await store.ClaimDueAsync($"w{w}", 3, Start, TimeSpan.FromMinutes(5), default);
                    if (batch.Count == 0)
                    {
                        return;
                    }

                    foreach (var claim in batch)
                    {
                        claims.Add(($"w{w}", claim.Id));
                    }
                }
            }
        }).ToList();
        start.Release(8);
        await Task.WhenAll(workers);

        claims.Count.ShouldBe(50);
        claims.Select(c => c.Id).ShouldBe(ids, ignoreOrder: true);
        foreach (var (worker, id) in claims)
        {
            (await pool.ScalarAsync("SELECT claimed_by FROM pool_sources WHERE id = @id", ("id", id))).ShouldBe(worker);
        }
    }

    private static async Task<string> CreateAsync(PoolHarness pool, bool active)
    {
        var result = await pool.SourceService.CreateAsync(new NewProxySource($"http://192.0.2.1/{Guid.NewGuid():N}.txt", "plaintext", Cron, IsActive: active));
        return result.Value.ShouldNotBeNull().Id;
    }

    private static Task SetNextRunAsync(PoolHarness pool, string id, DateTimeOffset at) =>
        pool.ExecuteAsync("UPDATE pool_sources SET next_run_at = @at WHERE id = @id", ("at", at), ("id", id));
}

public sealed class SqliteSourceClaimTests() : SourceClaimContractTests(TestEngine.Sqlite);

public sealed class PostgresSourceClaimTests() : SourceClaimContractTests(TestEngine.Postgres);
