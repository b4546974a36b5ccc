using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProxyKit.Pool.Sources;
using ProxyKit.Pool.Tests.Fetching;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Scraping;

/// <summary>The scrape worker in real hosts: scheduled scrapes, rescheduling, and several workers sharing one database.</summary>
public abstract class ScrapeWorkerContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    private const string EveryFiveMinutes = "*/5 * * * *";
    private const string Yearly = "0 0 1 1 *";

    [SkippableFact]
    public async Task ScrapeWorker_DueSources_ScrapedThenRescheduledToTheNextCronTime()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.Request.Target == "/broken"
            ? exchange.RespondAsync(500, [])
            : exchange.RespondAsync(200, "1.2.3.4:80\n5.6.7.8:80\n"u8.ToArray(), ("Content-Type", "text/plain")));
        var pool = await CreatePoolAsync();
        var good = await CreateSourceAsync(pool, server.Url("/list.txt"), EveryFiveMinutes);
        var broken = await CreateSourceAsync(pool, server.Url("/broken"), EveryFiveMinutes);
        var inactive = await CreateSourceAsync(pool, server.Url("/inactive"), EveryFiveMinutes, active: false);
        var notDue = await CreateSourceAsync(pool, server.Url("/later"), EveryFiveMinutes);
        await pool.ExecuteAsync("UPDATE pool_sources SET next_run_at = @at WHERE id = @id", ("at", Start.AddHours(1)), ("id", notDue));

        await StartHostAsync(pool.Test, Clock, "worker-1");
        await WaitUntilAsync(async () => await ScrapeCountAsync(pool, good) == 1 && await ScrapeCountAsync(pool, broken) == 1);

        var first = (await pool.SourceService.GetAsync(good))!;
        first.LastScrapedAt.ShouldBe(Start);
        first.NextRunAt.ShouldBe(At(0, 5), "the next */5 time after 00:02:30");
        first.Stats.LastProxiesFound.ShouldBe(2);
        var failed = (await pool.SourceService.GetAsync(broken))!;
        failed.NextRunAt.ShouldBe(At(0, 5), "a failed scrape waits for its next time too");
        failed.Stats.ConsecutiveFailures.ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(2);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_sources WHERE claimed_by IS NOT NULL")).ShouldBe(0);

        // Nothing else is due until 00:05: the worker polls without scraping again.
        Clock.Advance(TimeSpan.FromSeconds(30));
        await Task.Delay(100);
        (await ScrapeCountAsync(pool, good)).ShouldBe(1);

        Clock.SetUtcNow(At(0, 5));
        for (var i = 0; i < 50 && await ScrapeCountAsync(pool, good) < 2; i++)
        {
            await WaitUntilAsync(async () => await ScrapeCountAsync(pool, good) == 2, TimeSpan.FromMilliseconds(200), throwOnTimeout: false);
            Clock.Advance(TimeSpan.FromSeconds(1)); // the worker may have been between polls when the clock jumped
        }

        var second = (await pool.SourceService.GetAsync(good))!;
        second.Stats.ScrapeCount.ShouldBe(2);
        second.LastScrapedAt!.Value.ShouldBeGreaterThanOrEqualTo(At(0, 5));
        second.NextRunAt.ShouldBe(CronSchedules.Next(EveryFiveMinutes, second.LastScrapedAt.Value));
        second.NextRunAt.ShouldBe(At(0, 10));
        server.Requests.Count(r => r.Target == "/inactive").ShouldBe(0);
        server.Requests.Count(r => r.Target == "/later").ShouldBe(0);
        (await pool.SourceService.GetAsync(inactive))!.Stats.ScrapeCount.ShouldBe(0);
    }

    [SkippableFact]
    public async Task ScrapeWorker_TwoHostsOneDatabase_50DueSourcesEachScrapedExactlyOnce()
    {
        var requests = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            var target = exchange.Request.Target;
            requests.AddOrUpdate(target, 1, (_, n) => n + 1);
            var n = int.Parse(target["/s/".Length..^".txt".Length], CultureInfo.InvariantCulture);
            await Task.Delay(10, exchange.Stopping); // long enough for the two workers' claims to overlap
            await exchange.RespondAsync(200, Encoding.ASCII.GetBytes($"10.{n}.0.1:8080\n10.{n}.0.2:8080\n"), ("Content-Type", "text/plain"));
        });
        var pool = await CreatePoolAsync(clock: TimeProvider.System);
        for (var n = 0; n < 50; n++)
        {
            await CreateSourceAsync(pool, server.Url($"/s/{n}.txt"), Yearly);
        }

        await Task.WhenAll(
            StartHostAsync(pool.Test, TimeProvider.System, "host-a"),
            StartHostAsync(pool.Test, TimeProvider.System, "host-b"));
        await WaitUntilAsync(async () => await pool.CountAsync("SELECT COUNT(*) FROM pool_sources WHERE last_scraped_at IS NOT NULL") == 50, TimeSpan.FromSeconds(30));
        await Task.Delay(300); // a duplicate scrape would show up within a few polls

        requests.Count.ShouldBe(50);
        requests.ShouldAllBe(r => r.Value == 1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_sources WHERE scrape_count = 1 AND claimed_by IS NULL AND failure_count = 0")).ShouldBe(50);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(100);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_source_proxies")).ShouldBe(100);
    }

    private static DateTimeOffset At(int hour, int minute) => new(2026, 1, 1, hour, minute, 0, TimeSpan.Zero);

    private static async Task<string> CreateSourceAsync(PoolHarness pool, Uri url, string cron, bool active = true)
    {
        var result = await pool.SourceService.CreateAsync(new NewProxySource(url.ToString(), "plaintext", cron, IsActive: active));
        return result.Value.ShouldNotBeNull().Id;
    }

    private static Task<long> ScrapeCountAsync(PoolHarness pool, string id) =>
        pool.CountAsync("SELECT scrape_count FROM pool_sources WHERE id = @id", ("id", id));

    private async Task StartHostAsync(TestDatabase test, TimeProvider clock, string workerId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var database = Track(test.OpenAnotherHost());
        PoolHarness.Configure(builder.Services, database, clock, o =>
        {
            o.Scraping.WorkerId = workerId;
            o.Scraping.PollInterval = TimeSpan.FromMilliseconds(100);
            o.Scraping.MaxConcurrentScrapes = 4;
        }).AddScrapeWorker();
        var host = builder.Build();
        Track(new StoppingHost(host));
        await host.StartAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, bool throwOnTimeout = true)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                if (throwOnTimeout)
                {
                    throw new TimeoutException("The condition did not hold in time.");
                }

                return;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Stops a host (so its worker releases what it holds) before disposing it.</summary>
    private sealed class StoppingHost(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                await host.StopAsync(timeout.Token);
            }

            host.Dispose();
        }
    }
}

public sealed class SqliteScrapeWorkerTests() : ScrapeWorkerContractTests(TestEngine.Sqlite);

public sealed class PostgresScrapeWorkerTests() : ScrapeWorkerContractTests(TestEngine.Postgres);
