using System.Globalization;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Sources;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Storage;

/// <summary><see cref="ProxyStore.IngestAsync"/> on a real database: what a scrape stores, links and keeps secret.</summary>
public abstract class ProxyIngestContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    private const string SourceA = "0195f7a0-0000-7000-8000-00000000000a";
    private const string SourceB = "0195f7a0-0000-7000-8000-00000000000b";

    [SkippableFact]
    public async Task IngestAsync_NewProxies_StoredUncheckedWithNeverMeasuredShownAsNull()
    {
        var pool = await CreatePoolAsync();

        var created = await pool.IngestAsync(SourceA, Start, new ParsedProxy("203.0.113.1", 8080, "http", null, null), new ParsedProxy("2001:db8::1", 1080, "socks5", null, null));

        created.ShouldBe(2);
        var proxy = (await pool.Pool.GetAsync(await pool.IdOfAsync("203.0.113.1", 8080)))!.Proxy;
        proxy.ShouldBe(proxy with
        {
            Ip = "203.0.113.1",
            Port = 8080,
            Protocol = "http",
            Status = "unchecked",
            Anonymity = null,
            ExitIp = null,
            Country = null,
            Score = 0,
            AvgLatencyMs = null,
            UptimePct = null,
            LastCheckedAt = null,
            FirstSeenAt = Start,
            HasCredentials = false,
        });
        proxy.Tags.ShouldBeEmpty();
        Guid.TryParseExact(proxy.Id, "D", out _).ShouldBeTrue();
        (await pool.Pool.GetAsync(await pool.IdOfAsync("2001:db8::1", 1080, "socks5")))!.Proxy.Protocol.ShouldBe("socks5");

        // Stored as the worst values, so every sort key is NOT NULL.
        var raw = (await pool.RowsAsync("SELECT avg_latency_ms, uptime_pct FROM pool_proxies WHERE ip = '203.0.113.1'")).Single();
        double.Parse(raw["avg_latency_ms"]!, CultureInfo.InvariantCulture).ShouldBe(ProxyStore.NeverLatency);
        double.Parse(raw["uptime_pct"]!, CultureInfo.InvariantCulture).ShouldBe(ProxyStore.NeverUptime);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies WHERE last_checked_at = @epoch", ("epoch", DateTimeOffset.UnixEpoch))).ShouldBe(2);
    }

    [SkippableFact]
    public async Task IngestAsync_SameListAgain_NothingNewAndNoSecondRow()
    {
        var pool = await CreatePoolAsync();
        ParsedProxy[] list = [new ParsedProxy("203.0.113.1", 80, "http", null, null), new ParsedProxy("203.0.113.2", 80, "http", null, null)];
        await pool.IngestAsync(SourceA, Start, list);
        var id = await pool.IdOfAsync("203.0.113.1", 80);

        var again = await pool.IngestAsync(SourceA, Start.AddMinutes(30), list);
        var grown = await pool.IngestAsync(SourceA, Start.AddMinutes(60), [.. list, new ParsedProxy("203.0.113.3", 80, "http", null, null)]);

        again.ShouldBe(0);
        grown.ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(3);
        (await pool.IdOfAsync("203.0.113.1", 80)).ShouldBe(id, "a known proxy keeps its identity");
        (await pool.Pool.GetAsync(id))!.Proxy.FirstSeenAt.ShouldBe(Start);
    }

    [SkippableFact]
    public async Task IngestAsync_SameAddressWithOtherProtocolOrCredentials_AreDistinctProxies()
    {
        var pool = await CreatePoolAsync();

        var created = await pool.IngestAsync(SourceA, Start,
            new ParsedProxy("203.0.113.9", 3128, "http", null, null),
            new ParsedProxy("203.0.113.9", 3128, "socks5", null, null),
            new ParsedProxy("203.0.113.9", 3128, "http", "alice", "one"),
            new ParsedProxy("203.0.113.9", 3128, "http", "alice", "two"),
            new ParsedProxy("203.0.113.9", 3128, "http", "bob", "one"));
        var repeated = await pool.IngestAsync(SourceB, Start, new ParsedProxy("203.0.113.9", 3128, "http", "alice", "one"), new ParsedProxy("203.0.113.9", 3128, "socks5", null, null));

        created.ShouldBe(5);
        repeated.ShouldBe(0, "the same credentials hash to the same key");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(5);
    }

    [SkippableFact]
    public async Task IngestAsync_OneProxyTwiceInAList_OneRowOneLink()
    {
        // Without a stated protocol a record takes the fallback, so "1.2.3.4:80" and "http://1.2.3.4:80" are one proxy.
        var pool = await CreatePoolAsync();

        var created = await pool.IngestAsync(SourceA, Start, new ParsedProxy("198.51.100.4", 80, null, null, null), new ParsedProxy("198.51.100.4", 80, "http", null, null));

        created.ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_source_proxies")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task IngestAsync_Credentials_PasswordOnlyEncryptedAndHasCredentials()
    {
        const string Password = "S3cr3t-Pa55w0rd";
        var pool = await CreatePoolAsync();

        await pool.IngestAsync(SourceA, Start, new ParsedProxy("192.0.2.7", 8000, "https", "carol", Password));

        var raw = (await pool.RowsAsync("SELECT * FROM pool_proxies")).Single();
        raw.Values.ShouldAllBe(value => value == null || !value.Contains(Password, StringComparison.Ordinal));
        raw["username"].ShouldBe("carol");
        raw["credentials_key"].ShouldNotBeNullOrEmpty();
        raw["credentials_key"]!.ShouldNotContain("carol");
        pool.Protector.Unprotect(ProxyStore.CredentialsPurpose, raw["password_protected"]!).ShouldBe(Password);
        var proxy = (await pool.Pool.GetAsync(raw["id"]!))!.Proxy;
        proxy.HasCredentials.ShouldBeTrue();
        proxy.ToString().ShouldNotContain(Password);
        (await pool.RowsAsync("SELECT * FROM pool_source_proxies")).SelectMany(r => r.Values).ShouldAllBe(value => value == null || !value.Contains(Password, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task IngestAsync_TwoSourcesYieldTheSameProxy_BothLinkToIt()
    {
        var pool = await CreatePoolAsync();
        var first = await CreateSourceAsync(pool, "http://192.0.2.1/a.txt");
        var second = await CreateSourceAsync(pool, "http://192.0.2.1/b.txt");

        await pool.IngestAsync(first.Id, Start, new ParsedProxy("203.0.113.1", 80, "http", null, null), new ParsedProxy("203.0.113.2", 80, "http", null, null));
        await pool.IngestAsync(second.Id, Start.AddMinutes(1), new ParsedProxy("203.0.113.1", 80, "http", null, null));

        var shared = await pool.IdOfAsync("203.0.113.1", 80);
        (await pool.RowsAsync("SELECT source_id FROM pool_source_proxies WHERE proxy_id = @id", ("id", shared)))
            .Select(r => r["source_id"]).ShouldBe([first.Id, second.Id], ignoreOrder: true);
        (await pool.SourceService.GetAsync(first.Id))!.Stats.ProxiesYielded.ShouldBe(2);
        (await pool.SourceService.GetAsync(second.Id))!.Stats.ProxiesYielded.ShouldBe(1);
    }

    [SkippableFact]
    public async Task DeleteAsync_SourceWithProxies_KeepsTheProxiesAndOtherSourcesLinks()
    {
        var pool = await CreatePoolAsync();
        var first = await CreateSourceAsync(pool, "http://192.0.2.1/a.txt");
        var second = await CreateSourceAsync(pool, "http://192.0.2.1/b.txt");
        await pool.IngestAsync(first.Id, Start, new ParsedProxy("203.0.113.1", 80, "http", null, null), new ParsedProxy("203.0.113.2", 80, "http", null, null));
        await pool.IngestAsync(second.Id, Start, new ParsedProxy("203.0.113.1", 80, "http", null, null));

        (await pool.SourceService.DeleteAsync(first.Id)).ShouldBeTrue();

        (await pool.SourceService.GetAsync(first.Id)).ShouldBeNull();
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(2);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_source_proxies WHERE source_id = @id", ("id", first.Id))).ShouldBe(0);
        (await pool.SourceService.GetAsync(second.Id))!.Stats.ProxiesYielded.ShouldBe(1);
        (await pool.SourceService.DeleteAsync(first.Id)).ShouldBeFalse();
    }

    [SkippableFact]
    public async Task IngestAsync_RelinkingByTheSameSource_MovesLastSeenOnly()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync(SourceA, Start, new ParsedProxy("203.0.113.1", 80, "http", null, null));

        await pool.IngestAsync(SourceA, Start.AddHours(1), new ParsedProxy("203.0.113.1", 80, "http", null, null));

        var link = (await pool.RowsAsync("SELECT first_seen_at, last_seen_at FROM pool_source_proxies")).Single();
        link["first_seen_at"].ShouldNotBe(link["last_seen_at"]);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_source_proxies")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task IngestAsync_EmptyList_WritesNothing()
    {
        var pool = await CreatePoolAsync();

        (await pool.IngestAsync(SourceA, Start)).ShouldBe(0);

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task IngestAsync_ThousandProxies_AllStoredAndLinkedInOneCall()
    {
        var pool = await CreatePoolAsync();
        var list = Enumerable.Range(0, 1000).Select(i => new ParsedProxy($"10.0.{i / 256}.{i % 256}", 8080, "http", null, null)).ToArray();

        (await pool.IngestAsync(SourceA, Start, list)).ShouldBe(1000);

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(1000);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_source_proxies")).ShouldBe(1000);
    }

    private static async Task<ProxySource> CreateSourceAsync(PoolHarness pool, string url)
    {
        var result = await pool.SourceService.CreateAsync(new NewProxySource(url, ParserName: "plaintext"));
        result.Error.ShouldBeNull();
        return result.Value!;
    }
}

public sealed class SqliteProxyIngestTests() : ProxyIngestContractTests(TestEngine.Sqlite);

public sealed class PostgresProxyIngestTests() : ProxyIngestContractTests(TestEngine.Postgres);
