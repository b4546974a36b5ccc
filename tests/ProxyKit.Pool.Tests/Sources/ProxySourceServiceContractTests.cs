using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Pool.Sources;
using ProxyKit.Pool.Tests.Fetching;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Sources;

/// <summary><see cref="ProxySourceService"/> on a real database, fetching from loopback test servers.</summary>
public abstract class ProxySourceServiceContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    private const string Cron = "*/5 * * * *";

    private static readonly DateTimeOffset Midnight = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task CreateAsync_InvalidField_InvalidRequestNamingItAndNothingStored()
    {
        var pool = await CreatePoolAsync();
        (NewProxySource Request, string Field)[] cases =
        [
            (new(string.Empty, "plaintext"), "url"),
            (new("   ", "plaintext"), "url"),
            (new("not a url", "plaintext"), "url"),
            (new("/lists/relative.txt", "plaintext"), "url"),
            (new("ftp://192.0.2.1/list.txt", "plaintext"), "url"),
            (new("file:///etc/passwd", "plaintext"), "url"),
            (new("http://192.0.2.1/" + new string('a', 2048), "plaintext"), "url"),
            (new("http://192.0.2.1/list.txt", "plaintext", "61 * * * *"), "cron_schedule"),
            (new("http://192.0.2.1/list.txt", "plaintext", "* * *"), "cron_schedule"),
            (new("http://192.0.2.1/list.txt", "plaintext", "0 * * * * *"), "cron_schedule"),
            (new("http://192.0.2.1/list.txt", "plaintext", "every minute"), "cron_schedule"),
            (new("http://192.0.2.1/list.txt", "plaintext", "   "), "cron_schedule"),
            (new("http://192.0.2.1/list.txt", "plaintext", Cron, "gopher"), "default_protocol"),
            (new("http://192.0.2.1/list.txt", "plaintext", Cron, string.Empty), "default_protocol"),
        ];

        foreach (var (request, field) in cases)
        {
            var result = await pool.SourceService.CreateAsync(request);

            var error = result.Error.ShouldNotBeNull($"{request}");
            error.Code.ShouldBe(PoolErrorCodes.InvalidRequest, $"{request}");
            error.Details!["field"].ShouldBe(field, $"{request}");
        }

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_sources")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_UnknownParser_UnknownParserNamingIt()
    {
        var pool = await CreatePoolAsync();

        var result = await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/list.txt", "yaml"));

        result.Error!.Code.ShouldBe(PoolErrorCodes.UnknownParser);
        result.Error.Details!["parser_name"].ShouldBe("yaml");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_sources")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_NamedParser_StoredNormalisedDueAtOnceWithoutFetching()
    {
        await using var server = LoopbackHttpServer.Always(200, "1.2.3.4:80\n");
        var pool = await CreatePoolAsync();

        var result = await pool.SourceService.CreateAsync(new NewProxySource($"  {server.Url("/list.txt")}  ", "PlainText", DefaultProtocol: "SOCKS5H"));

        var source = result.Value.ShouldNotBeNull();
        source.ShouldBe(source with
        {
            Url = server.Url("/list.txt").ToString(),
            ParserName = "plaintext",
            CronSchedule = CronSchedules.Default,
            DefaultProtocol = "socks5",
            IsActive = true,
            LastScrapedAt = null,
            CreatedAt = Start,
            NextRunAt = Start,
            Stats = new SourceStats(null, null, null, 0, 0, 0, null, null, 0, 0),
        });
        Guid.TryParseExact(source.Id, "D", out _).ShouldBeTrue();
        (await pool.SourceService.GetAsync(source.Id)).ShouldBe(source);
        server.RequestCount.ShouldBe(0, "a named parser needs no detection");

        var inactive = await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/b.txt", "csv", "0 3 * * 1", "http", IsActive: false));
        inactive.Value!.NextRunAt.ShouldBeNull();
        (await pool.SourceService.GetAsync(inactive.Value.Id))!.ShouldBe(inactive.Value);
    }

    [SkippableFact]
    public async Task CreateAsync_NoParserName_DetectsTheFormatByFetchingIt()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.Request.Target switch
        {
            "/api/proxies" => Respond(exchange, "[{\"ip\":\"1.2.3.4\",\"port\":80}]", "application/json"),
            "/list" => Respond(exchange, "1.2.3.4:80\n5.6.7.8:3128\n", "text/plain"),
            "/table.csv" => Respond(exchange, "ip,port\n1.2.3.4,80\n", "text/csv"),
            "/page" => Respond(exchange, "<html><body><table><tr><td>1.2.3.4</td><td>80</td></tr></table></body></html>", "text/html"),
            _ => exchange.RespondAsync(404, []),
        });
        var pool = await CreatePoolAsync();

        foreach (var (path, parser) in new[] { ("/api/proxies", "json"), ("/list", "plaintext"), ("/table.csv", "csv"), ("/page", "html") })
        {
            var result = await pool.SourceService.CreateAsync(new NewProxySource(server.Url(path).ToString()));

            result.Error.ShouldBeNull(path);
            result.Value!.ParserName.ShouldBe(parser, path);
            (await pool.SourceService.GetAsync(result.Value.Id))!.ParserName.ShouldBe(parser, path);
        }

        server.RequestCount.ShouldBe(4);
    }

    [SkippableFact]
    public async Task CreateAsync_ContentNoParserSupports_UnsupportedContentAndNothingStored()
    {
        await using var server = LoopbackHttpServer.Always(200, "<?xml version=\"1.0\"?><proxies><proxy ip=\"1.2.3.4\"/></proxies>", "application/xml");
        var pool = await CreatePoolAsync();

        var result = await pool.SourceService.CreateAsync(new NewProxySource(server.Url("/feed").ToString()));

        result.Error!.Code.ShouldBe(PoolErrorCodes.UnsupportedContent);
        result.Error.Details!["content_type"].ShouldBe("application/xml");
        ((string[])result.Error.Details["parsers"]!).ShouldBe(["json", "csv", "html", "plaintext"]);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_sources")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_UrlCannotBeFetched_SourceFetchFailed()
    {
        await using var server = LoopbackHttpServer.Always(404, "gone");
        var pool = await CreatePoolAsync();

        var refused = await pool.SourceService.CreateAsync(new NewProxySource($"http://127.0.0.1:{ClosedPort()}/list.txt"));
        var missing = await pool.SourceService.CreateAsync(new NewProxySource(server.Url("/list.txt").ToString()));

        refused.Error!.Code.ShouldBe(PoolErrorCodes.SourceFetchFailed);
        missing.Error!.Code.ShouldBe(PoolErrorCodes.SourceFetchFailed);
        missing.Error.Details!["status_code"].ShouldBe(404);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_sources")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task ListAsync_FilterAndCursor_EverySourceOnceOldestFirst()
    {
        var pool = await CreatePoolAsync();
        var created = new List<ProxySource>();
        for (var i = 0; i < 7; i++)
        {
            // Two pairs share a creation instant: the id breaks the tie.
            if (i is not (2 or 5))
            {
                Clock.Advance(TimeSpan.FromSeconds(1));
            }

            created.Add((await pool.SourceService.CreateAsync(new NewProxySource($"http://192.0.2.1/{i}.txt", "plaintext", IsActive: i % 3 != 0))).Value!);
        }

        var expectedOrder = created.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).Select(s => s.Id).ToList();
        foreach (bool? active in new bool?[] { null, true, false })
        {
            var expected = created.Where(s => active is null || s.IsActive == active).Select(s => s.Id).ToList();
            var seen = new List<string>();
            string? cursor = null;
            do
            {
                var page = (await pool.SourceService.ListAsync(active, 2, cursor)).Value.ShouldNotBeNull($"{active}");
                page.TotalCount.ShouldBe(expected.Count);
                page.Items.ShouldAllBe(s => active == null || s.IsActive == active);
                seen.AddRange(page.Items.Select(s => s.Id));
                cursor = page.NextCursor;
            }
            while (cursor is not null && seen.Count < 20);

            seen.ShouldBe(expected, ignoreOrder: true, $"is_active={active}");
            seen.ShouldBe(expectedOrder.Where(expected.Contains).ToList(), $"is_active={active}: oldest first");
        }

        var activeCursor = (await pool.SourceService.ListAsync(true, 1)).Value!.NextCursor;
        (await pool.SourceService.ListAsync(false, 1, activeCursor)).Error!.Code.ShouldBe(PoolErrorCodes.InvalidCursor);
        (await pool.SourceService.ListAsync(true, 1, activeCursor + "x")).Error!.Code.ShouldBe(PoolErrorCodes.InvalidCursor);
        (await pool.SourceService.ListAsync(null, 0)).Error!.Details!["field"].ShouldBe("limit");
        (await pool.SourceService.ListAsync(null, 201)).Error!.Code.ShouldBe(PoolErrorCodes.InvalidRequest);
    }

    [SkippableFact]
    public async Task UpdateAsync_Patch_ChangesOnlyTheGivenFields()
    {
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/a.txt", "plaintext", Cron, "socks4"))).Value!;
        Clock.Advance(TimeSpan.FromMinutes(1));

        var parser = await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(ParserName: "JSON"));
        var url = await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(Url: "https://192.0.2.2/b.json"));
        var protocol = await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(DefaultProtocol: "https"));

        parser.Value!.ShouldBe(source with { ParserName = "json" });
        url.Value!.ShouldBe(source with { ParserName = "json", Url = "https://192.0.2.2/b.json" });
        protocol.Value!.ShouldBe(url.Value! with { DefaultProtocol = "https" });
        (await pool.SourceService.GetAsync(source.Id)).ShouldBe(protocol.Value);

        var cleared = await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(ClearDefaultProtocol: true));
        cleared.Value!.DefaultProtocol.ShouldBeNull();
        (await pool.SourceService.GetAsync(source.Id))!.DefaultProtocol.ShouldBeNull();
    }

    [SkippableFact]
    public async Task UpdateAsync_DeactivateAndReactivate_ClearsThenSetsNextRun()
    {
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/a.txt", "plaintext", Cron))).Value!;
        Clock.Advance(TimeSpan.FromMinutes(1)); // 00:03:30

        var off = await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(IsActive: false));
        off.Value!.IsActive.ShouldBeFalse();
        off.Value.NextRunAt.ShouldBeNull();
        (await pool.SourceService.GetAsync(source.Id))!.NextRunAt.ShouldBeNull();

        var on = await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(IsActive: true));
        on.Value!.NextRunAt.ShouldBe(Clock.GetUtcNow(), "never scraped: due at once");
        (await pool.SourceService.GetAsync(source.Id))!.NextRunAt.ShouldBe(Clock.GetUtcNow());

        // Once scraped, a reactivated source waits for its next cron time; a new schedule takes effect the same way.
        await pool.Sources.ClaimAsync(source.Id, "w", Clock.GetUtcNow(), TimeSpan.FromMinutes(5), default);
        (await pool.Sources.CompleteAsync(source.Id, "w", Clock.GetUtcNow(), Start.AddHours(5), null, "boom", default)).ShouldBeTrue();
        await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(IsActive: false));
        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(IsActive: true))).Value!.NextRunAt.ShouldBe(Midnight.AddMinutes(5));
        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(CronSchedule: "0 4 * * *"))).Value!.NextRunAt.ShouldBe(Midnight.AddHours(4));
        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(Url: "http://192.0.2.9/x.txt"))).Value!.NextRunAt
            .ShouldBe(Midnight.AddHours(4), "other changes leave the schedule alone");
    }

    [SkippableFact]
    public async Task UpdateAsync_InvalidPatchOrUnknownSource_ErrorAndNothingChanged()
    {
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/a.txt", "plaintext", Cron))).Value!;

        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(Url: "ftp://x/y"))).Error!.Details!["field"].ShouldBe("url");
        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(CronSchedule: "61 * * * *"))).Error!.Details!["field"].ShouldBe("cron_schedule");
        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(DefaultProtocol: "smtp"))).Error!.Details!["field"].ShouldBe("default_protocol");
        (await pool.SourceService.UpdateAsync(source.Id, new ProxySourcePatch(ParserName: "yaml"))).Error!.Code.ShouldBe(PoolErrorCodes.UnknownParser);
        (await pool.SourceService.UpdateAsync(Guid.NewGuid().ToString(), new ProxySourcePatch(IsActive: false))).Error!.Code.ShouldBe(PoolErrorCodes.NotFound);
        (await pool.SourceService.UpdateAsync("nope", new ProxySourcePatch(IsActive: false))).Error!.Code.ShouldBe(PoolErrorCodes.NotFound);

        (await pool.SourceService.GetAsync(source.Id)).ShouldBe(source);
    }

    [SkippableFact]
    public async Task DeleteAsync_UnknownOrMalformedId_False()
    {
        var pool = await CreatePoolAsync();

        (await pool.SourceService.DeleteAsync(Guid.NewGuid().ToString())).ShouldBeFalse();
        (await pool.SourceService.DeleteAsync("x' OR 1=1 --")).ShouldBeFalse();
        (await pool.SourceService.GetAsync("not-a-uuid")).ShouldBeNull();
    }

    [SkippableFact]
    public async Task ScrapeNowAsync_ListServed_StoresProxiesAndRecordsTheScrape()
    {
        // The server takes 1.5 s of (manual) time to answer, so the duration is exact.
        await using var server = LoopbackHttpServer.Start(exchange =>
        {
            Clock.Advance(TimeSpan.FromMilliseconds(1500));
            return Respond(exchange, "1.2.3.4:80\nsocks4://5.6.7.8:1080\nnot a proxy\n1.2.3.4:80\n9.9.9.9:8080\n", "text/plain");
        });
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource(server.Url("/list.txt").ToString(), "plaintext", Cron, "socks5"))).Value!;

        var first = await pool.SourceService.ScrapeNowAsync(source.Id);
        var second = await pool.SourceService.ScrapeNowAsync(source.Id);

        first.Value.ShouldBe(new ScrapeResult(source.Id, 3, 3, 0, 1500, 1, 1));
        second.Value.ShouldBe(new ScrapeResult(source.Id, 3, 0, 3, 1500, 1, 1));
        var after = (await pool.SourceService.GetAsync(source.Id))!;
        after.LastScrapedAt.ShouldBe(Start.AddSeconds(3));
        after.NextRunAt.ShouldBe(Start, "a manual scrape leaves the schedule as it was");
        after.Stats.ShouldBe(new SourceStats(Start.AddSeconds(3), null, null, 2, 0, 0, 3, 1500, 3, 0));
        (await pool.RowsAsync("SELECT protocol FROM pool_proxies")).Select(r => r["protocol"]).ShouldBe(["socks5", "socks4", "socks5"], ignoreOrder: true);
        (await pool.ScalarAsync("SELECT claimed_by FROM pool_sources")).ShouldBeNull("the claim is released");
    }

    [SkippableFact]
    public async Task ScrapeNowAsync_SameProxyWithAndWithoutItsProtocol_CountedOnce()
    {
        await using var server = LoopbackHttpServer.Always(200, "1.2.3.4:80\nhttp://1.2.3.4:80\n");
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource(server.Url("/l.txt").ToString(), "plaintext"))).Value!;

        var result = await pool.SourceService.ScrapeNowAsync(source.Id);

        result.Error.ShouldBeNull();
        result.Value!.ProxiesDiscovered.ShouldBe(1);
        result.Value.ProxiesNew.ShouldBe(1);
        result.Value.Duplicates.ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxies")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task ScrapeNowAsync_SourceAnswers500_RecordsTheFailure()
    {
        var failing = true;
        await using var server = LoopbackHttpServer.Start(exchange => Volatile.Read(ref failing)
            ? exchange.RespondAsync(500, "oops"u8.ToArray())
            : Respond(exchange, "1.2.3.4:80\n", "text/plain"));
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource(server.Url("/l.txt").ToString(), "plaintext"))).Value!;

        var failed = await pool.SourceService.ScrapeNowAsync(source.Id);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await pool.SourceService.ScrapeNowAsync(source.Id);
        var afterTwo = (await pool.SourceService.GetAsync(source.Id))!;
        Volatile.Write(ref failing, false);
        Clock.Advance(TimeSpan.FromMinutes(1));
        var recovered = await pool.SourceService.ScrapeNowAsync(source.Id);

        failed.Error!.Code.ShouldBe(PoolErrorCodes.SourceFetchFailed);
        failed.Error.Details!["status_code"].ShouldBe(500);
        afterTwo.LastScrapedAt.ShouldBe(Start.AddMinutes(1));
        afterTwo.Stats.LastError.ShouldNotBeNull().ShouldContain("500");
        afterTwo.Stats.LastErrorAt.ShouldBe(Start.AddMinutes(1));
        afterTwo.Stats.LastSuccessAt.ShouldBeNull();
        (afterTwo.Stats.ScrapeCount, afterTwo.Stats.FailureCount, afterTwo.Stats.ConsecutiveFailures).ShouldBe((2L, 2L, 2));
        recovered.Succeeded.ShouldBeTrue();
        var after = (await pool.SourceService.GetAsync(source.Id))!;
        (after.Stats.ScrapeCount, after.Stats.FailureCount, after.Stats.ConsecutiveFailures).ShouldBe((3L, 2L, 0));
        after.Stats.LastSuccessAt.ShouldBe(Start.AddMinutes(2));
        after.Stats.ProxiesYielded.ShouldBe(1);
    }

    [SkippableFact]
    public async Task ScrapeNowAsync_AnotherWorkerHoldsTheSource_ScrapeInProgressUntilTheClaimExpires()
    {
        await using var server = LoopbackHttpServer.Always(200, "1.2.3.4:80\n");
        var pool = await CreatePoolAsync();
        var source = (await pool.SourceService.CreateAsync(new NewProxySource(server.Url("/l.txt").ToString(), "plaintext"))).Value!;
        (await pool.Sources.ClaimAsync(source.Id, "other-worker", Start, TimeSpan.FromMinutes(5), default)).ShouldNotBeNull();

        var busy = await pool.SourceService.ScrapeNowAsync(source.Id);
        Clock.Advance(TimeSpan.FromMinutes(5));
        var later = await pool.SourceService.ScrapeNowAsync(source.Id);

        busy.Error!.Code.ShouldBe(PoolErrorCodes.ScrapeInProgress);
        later.Value!.ProxiesNew.ShouldBe(1);
        server.RequestCount.ShouldBe(1);
    }

    [SkippableTheory]
    [InlineData("0195f7a0-0000-7000-8000-000000000001")]
    [InlineData("not-a-uuid")]
    public async Task ScrapeNowAsync_UnknownSource_NotFound(string id)
    {
        var pool = await CreatePoolAsync();

        var result = await pool.SourceService.ScrapeNowAsync(id);

        result.Error!.Code.ShouldBe(PoolErrorCodes.NotFound);
    }

    private static Task Respond(LoopbackExchange exchange, string body, string contentType) =>
        exchange.RespondAsync(200, Encoding.UTF8.GetBytes(body), ("Content-Type", contentType));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed class SqliteProxySourceServiceTests() : ProxySourceServiceContractTests(TestEngine.Sqlite);

public sealed class PostgresProxySourceServiceTests() : ProxySourceServiceContractTests(TestEngine.Postgres);
