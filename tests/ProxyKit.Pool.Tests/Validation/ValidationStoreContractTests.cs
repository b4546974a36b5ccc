using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Pool.Validation;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Validation;

/// <summary>Check claims and recorded rounds (<see cref="ValidationStore"/>), on both engines.</summary>
public abstract class ValidationStoreContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    [SkippableFact]
    public async Task ClaimDueAsync_NewProxies_AreDueAtOnceAndClaimedOnceUntilTheClaimExpires()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync("s", Start, new ParsedProxy("10.0.0.1", 80, "http", null, null), new ParsedProxy("10.0.0.2", 80, "socks5", "u", "p"));
        var store = pool.Services.GetRequiredService<ValidationStore>();

        var first = await store.ClaimDueAsync("w1", 10, Start, TimeSpan.FromMinutes(1), default);
        var whileHeld = await store.ClaimDueAsync("w2", 10, Start.AddSeconds(30), TimeSpan.FromMinutes(1), default);
        var afterExpiry = await store.ClaimDueAsync("w2", 10, Start.AddMinutes(1), TimeSpan.FromMinutes(1), default);

        first.Count.ShouldBe(2);
        first.Single(c => c.Ip == "10.0.0.2").Username.ShouldBe("u");
        pool.Protector.Unprotect(ProxyStore.CredentialsPurpose, first.Single(c => c.Ip == "10.0.0.2").PasswordProtected!).ShouldBe("p");
        first.ShouldAllBe(c => c.Evidence.ChecksTotal == 0 && c.Evidence.LastCheckedAt == null && c.Evidence.AvgLatencyMs == null);
        whileHeld.ShouldBeEmpty();
        afterExpiry.Count.ShouldBe(2);
    }

    [SkippableFact]
    public async Task RecordAsync_Round_StoresStateEvidenceChecksAndTheNextDueTimeAndReleasesTheClaim()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync("s", Start, new ParsedProxy("10.0.0.1", 80, "http", null, null));
        var store = pool.Services.GetRequiredService<ValidationStore>();
        var claim = (await store.ClaimDueAsync("w1", 10, Start, TimeSpan.FromMinutes(5), default)).Single();
        var evidence = ProxyScoring.Record(claim.Evidence, Start.AddSeconds(1), passed: true, latencyMs: 120, new ValidationOptions());

        var recorded = await store.RecordAsync(
            claim, "w1", new ProxyStateUpdate("active", "elite", "198.51.100.7", "NL", 0.42, evidence.AvgLatencyMs, 20.6, Start.AddSeconds(1)), evidence,
            Start.AddMinutes(7), [new CheckRecord("tcp_connect", 1, true, 12, "TCP connect OK"), new CheckRecord("http_anonymity", 3, true, 120, "elite")],
            Start.AddSeconds(1), default);

        recorded.ShouldBeTrue();
        var details = (await pool.Pool.GetAsync(claim.Id))!;
        details.Proxy.Status.ShouldBe("active");
        details.Proxy.Anonymity.ShouldBe("elite");
        details.Proxy.ExitIp.ShouldBe("198.51.100.7");
        details.Proxy.Country.ShouldBe("NL");
        details.Proxy.Score.ShouldBe(0.42);
        details.Proxy.AvgLatencyMs.ShouldBe(120);
        details.Proxy.LastCheckedAt.ShouldBe(Start.AddSeconds(1));
        details.RecentChecks.Select(c => c.CheckerName).ShouldBe(["http_anonymity", "tcp_connect"], ignoreOrder: true);
        (await store.ClaimDueAsync("w2", 10, Start.AddMinutes(6), TimeSpan.FromMinutes(5), default)).ShouldBeEmpty("not due before its next check");
        var again = (await store.ClaimDueAsync("w2", 10, Start.AddMinutes(7), TimeSpan.FromMinutes(5), default)).Single();
        again.Evidence.Successes.ShouldBe(1);
        again.Evidence.ChecksTotal.ShouldBe(1);
        again.Evidence.LastSuccessAt.ShouldBe(Start.AddSeconds(1));
    }

    [SkippableFact]
    public async Task Ingest_SourceStatedCountry_IsStoredAndHandedToTheChecks()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync("s", Start, new ParsedProxy("10.0.0.1", 80, "http", null, null, "NL"));
        var store = pool.Services.GetRequiredService<ValidationStore>();

        var claim = (await store.ClaimDueAsync("w1", 10, Start, TimeSpan.FromMinutes(1), default)).Single();

        claim.Country.ShouldBe("NL");
        (await pool.Pool.GetAsync(claim.Id))!.Proxy.Country.ShouldBe("NL");
        (await pool.Pool.QueryAsync(new ProxyQuery { Country = "NL" })).Value!.TotalCount.ShouldBe(1);
    }

    [SkippableFact]
    public async Task RecordAsync_ClaimLost_WritesNothing()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync("s", Start, new ParsedProxy("10.0.0.1", 80, "http", null, null));
        var store = pool.Services.GetRequiredService<ValidationStore>();
        var stale = (await store.ClaimDueAsync("crashed", 10, Start, TimeSpan.FromMinutes(1), default)).Single();
        (await store.ClaimDueAsync("rescuer", 10, Start.AddMinutes(2), TimeSpan.FromMinutes(1), default)).ShouldHaveSingleItem();

        var recorded = await store.RecordAsync(
            stale, "crashed", new ProxyStateUpdate("dead", null, null, null, 0, null, 0, Start.AddMinutes(2)), stale.Evidence,
            Start.AddHours(1), [new CheckRecord("tcp_connect", 1, false, null, "refused")], Start.AddMinutes(2), default);

        recorded.ShouldBeFalse();
        (await pool.Pool.GetAsync(stale.Id))!.Proxy.Status.ShouldBe("unchecked");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_checks")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task ClaimDueAsync_FourWorkersRacingFor200DueProxies_EachClaimedExactlyOnce()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync("s", Start, Enumerable.Range(0, 200).Select(i => new ParsedProxy($"10.1.{i / 256}.{i % 256}", 80, "http", null, null)).ToArray());
        var store = pool.Services.GetRequiredService<ValidationStore>();
        var claimed = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var round = 0; round < 20; round++)
            {
                foreach (var claim in await store.ClaimDueAsync($"w{w}", 17, Start, TimeSpan.FromMinutes(5), default))
                {
                    claimed.Add(claim.Id);
                }
            }
        })));

        claimed.Count.ShouldBe(200);
        claimed.Distinct().Count().ShouldBe(200);
    }
}

public sealed class SqliteValidationStoreTests() : ValidationStoreContractTests(TestEngine.Sqlite);

public sealed class PostgresValidationStoreTests() : ValidationStoreContractTests(TestEngine.Postgres);
