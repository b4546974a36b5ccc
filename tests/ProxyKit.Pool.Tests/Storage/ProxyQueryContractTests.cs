using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Sources;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Storage;

/// <summary><see cref="ProxyPoolService"/> over a real database: filters, sorts, keyset pages that read as of the first page, and statistics.</summary>
public abstract class ProxyQueryContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    private const string Source = "0195f7a0-0000-7000-8000-0000000000aa";

    // Queries run one hour after Start; "checked N minutes ago" is relative to that.
    private static readonly DateTimeOffset QueryTime = Start.AddHours(1);

    // Seven proxies with distinct scores, latencies, uptimes and check times (only P5 and P6, never checked, tie).
    private static readonly Seed[] Catalogue =
    [
        new("P1", "http", "active", "elite", "US", 0.9, 100, 99, 5),
        new("P2", "https", "active", "anonymous", "DE", 0.7, 300, 90, 30),
        new("P3", "socks5", "dead", "transparent", "US", 0.1, 2000, 10, 120),
        new("P4", "socks4", "active", "elite", "FR", 0.5, 50, 50, 1),
        new("P5", "http"),
        new("P6", "http"),
        new("P7", "http", "active", null, null, 0.75, 200, 95, 10),
    ];

    [SkippableFact]
    public async Task QueryAsync_EachFilter_ReturnsExactlyTheMatchingProxies()
    {
        var (pool, ids) = await SeedCatalogueAsync();
        (string Case, ProxyQuery Query, string Expected)[] cases =
        [
            ("no filter", new(), "P1 P2 P3 P4 P5 P6 P7"),
            ("status active", new() { Status = "active" }, "P1 P2 P4 P7"),
            ("status dead", new() { Status = "DEAD" }, "P3"),
            ("status unchecked", new() { Status = "unchecked" }, "P5 P6"),
            ("protocol http", new() { Protocol = "http" }, "P1 P5 P6 P7"),
            ("protocol socks5", new() { Protocol = "socks5" }, "P3"),
            ("protocol https", new() { Protocol = " HTTPS " }, "P2"),
            ("anonymity elite", new() { Anonymity = "elite" }, "P1 P4"),
            ("anonymity transparent", new() { Anonymity = "transparent" }, "P3"),
            ("country us", new() { Country = "us" }, "P1 P3"),
            ("country fr", new() { Country = "FR" }, "P4"),
            ("min_score 0.7", new() { MinScore = 0.7 }, "P1 P2 P7"),
            ("min_score 0", new() { MinScore = 0 }, "P1 P2 P3 P4 P5 P6 P7"),
            ("max_latency_ms 200", new() { MaxLatencyMs = 200 }, "P1 P4 P7"),
            ("min_uptime_pct 90", new() { MinUptimePct = 90 }, "P1 P2 P7"),
            ("min_uptime_pct 0", new() { MinUptimePct = 0 }, "P1 P2 P3 P4 P7"),
            ("verified_within_minutes 15", new() { VerifiedWithinMinutes = 15 }, "P1 P4 P7"),
            ("verified_within_minutes 60", new() { VerifiedWithinMinutes = 60 }, "P1 P2 P4 P7"),
            ("combined", new() { Status = "active", Protocol = "http", MinScore = 0.8 }, "P1"),
            ("nothing matches", new() { Country = "JP" }, string.Empty),
        ];

        foreach (var (name, query, expected) in cases)
        {
            var page = await QueryOkAsync(pool, query with { Limit = 200 });
            var names = page.Items.Select(p => ids[p.Id]).Order(StringComparer.Ordinal).ToList();

            string.Join(' ', names).ShouldBe(expected, name);
            page.TotalCount.ShouldBe(names.Count, name);
            page.NextCursor.ShouldBeNull(name);
        }
    }

    [SkippableFact]
    public async Task QueryAsync_EachSortAndOrder_PagesInThatOrderWithNeverMeasuredLast()
    {
        var (pool, ids) = await SeedCatalogueAsync();
        (ProxySortField Sort, bool? Descending, string Expected)[] cases =
        [
            (ProxySortField.Score, null, "P1 P7 P2 P4 P3 {P5 P6}"),
            (ProxySortField.Score, true, "P1 P7 P2 P4 P3 {P5 P6}"),
            (ProxySortField.Score, false, "{P5 P6} P3 P4 P2 P7 P1"),
            (ProxySortField.Latency, null, "P4 P1 P7 P2 P3 {P5 P6}"),
            (ProxySortField.Latency, false, "P4 P1 P7 P2 P3 {P5 P6}"),
            (ProxySortField.Latency, true, "{P5 P6} P3 P2 P7 P1 P4"),
            (ProxySortField.Uptime, null, "P1 P7 P2 P4 P3 {P5 P6}"),
            (ProxySortField.Uptime, false, "{P5 P6} P3 P4 P2 P7 P1"),
            (ProxySortField.LastChecked, null, "P4 P1 P7 P2 P3 {P5 P6}"),
            (ProxySortField.LastChecked, true, "P4 P1 P7 P2 P3 {P5 P6}"),
            (ProxySortField.LastChecked, false, "{P5 P6} P3 P2 P7 P1 P4"),
        ];

        foreach (var (sort, descending, expected) in cases)
        {
            var label = $"{sort} {(descending is null ? "default" : descending.Value ? "desc" : "asc")}";
            var all = await ReadAllPagesAsync(pool, new ProxyQuery { Sort = sort, Descending = descending, Limit = 3 });

            ShouldBeInOrder(all.Select(p => ids[p.Id]).ToList(), expected, label);
        }
    }

    [SkippableFact]
    public async Task QueryAsync_NeverMeasuredProxy_ShowsNullMeasures()
    {
        var (pool, ids) = await SeedCatalogueAsync();

        var page = await QueryOkAsync(pool, new ProxyQuery { Status = "unchecked" });
        var measured = (await QueryOkAsync(pool, new ProxyQuery { Country = "FR" })).Items.Single();

        page.Items.Count.ShouldBe(2);
        page.Items.ShouldAllBe(p => p.AvgLatencyMs == null && p.UptimePct == null && p.LastCheckedAt == null && p.Score == 0);
        measured.ShouldBe(measured with
        {
            Status = "active",
            Anonymity = "elite",
            Country = "FR",
            ExitIp = "198.51.100.4",
            Score = 0.5,
            AvgLatencyMs = 50,
            UptimePct = 50,
            LastCheckedAt = QueryTime.AddMinutes(-1),
        });
        ids[measured.Id].ShouldBe("P4");
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(201)]
    public async Task QueryAsync_LimitOutOfRange_InvalidRequestNamingLimit(int limit)
    {
        var pool = await CreatePoolAsync();

        var result = await pool.Pool.QueryAsync(new ProxyQuery { Limit = limit });

        result.Succeeded.ShouldBeFalse();
        result.Error!.Code.ShouldBe(PoolErrorCodes.InvalidRequest);
        result.Error.Details!["field"].ShouldBe("limit");
    }

    [SkippableFact]
    public async Task QueryAsync_InvalidFilter_InvalidRequestNamingTheField()
    {
        var pool = await CreatePoolAsync();
        (ProxyQuery Query, string Field)[] cases =
        [
            (new() { Status = "alive" }, "status"),
            (new() { Protocol = "ftp" }, "protocol"),
            (new() { Anonymity = "high" }, "anonymity"),
            (new() { Country = "USA" }, "country"),
            (new() { Country = "1A" }, "country"),
            (new() { MinScore = 1.5 }, "min_score"),
            (new() { MinScore = -0.1 }, "min_score"),
            (new() { MinScore = double.NaN }, "min_score"),
            (new() { MaxLatencyMs = -1 }, "max_latency_ms"),
            (new() { MinUptimePct = 101 }, "min_uptime_pct"),
            (new() { VerifiedWithinMinutes = 0 }, "verified_within_minutes"),
        ];

        foreach (var (query, field) in cases)
        {
            var result = await pool.Pool.QueryAsync(query);

            var error = result.Error.ShouldNotBeNull(field);
            error.Code.ShouldBe(PoolErrorCodes.InvalidRequest, field);
            error.Details!["field"].ShouldBe(field);
        }

        (await pool.Pool.QueryAsync(new ProxyQuery { Limit = 200 })).Succeeded.ShouldBeTrue();
        (await pool.Pool.QueryAsync(new ProxyQuery { Limit = 1 })).Succeeded.ShouldBeTrue();
    }

    [SkippableFact]
    public async Task QueryAsync_PagingWithLimit7_EveryMatchingProxyExactlyOnceInTheOneQueryOrder()
    {
        var pool = await CreatePoolAsync();
        // 40 proxies, many tied on score (the id breaks ties) and ten never checked; status active for all but every fifth.
        await pool.IngestAsync(Source, Start, [.. Enumerable.Range(0, 40).Select(i => new ParsedProxy($"10.1.0.{i}", 8080, "http", null, null))]);
        for (var i = 0; i < 30; i++)
        {
            var id = await pool.IdOfAsync($"10.1.0.{i}", 8080);
            await UpdateAsync(pool, id, Start.AddSeconds(1), new ProxyStateUpdate(
                i % 5 == 0 ? "dead" : "active", "elite", null, "US", (i % 4) / 4.0, 100 + (i % 3), 90, Start));
        }

        Clock.Advance(TimeSpan.FromMinutes(1));

        foreach (var query in new ProxyQuery[] { new(), new() { Status = "active" }, new() { Sort = ProxySortField.Latency }, new() { Sort = ProxySortField.LastChecked, Descending = false } })
        {
            var single = await QueryOkAsync(pool, query with { Limit = 200 });
            var paged = await ReadAllPagesAsync(pool, query with { Limit = 7 });

            paged.Select(p => p.Id).ShouldBe(single.Items.Select(p => p.Id), $"{query}");
            paged.Select(p => p.Id).Distinct().Count().ShouldBe(paged.Count);
        }

        (await QueryOkAsync(pool, new ProxyQuery { Limit = 7 })).TotalCount.ShouldBe(40);
        (await QueryOkAsync(pool, new ProxyQuery { Status = "active", Limit = 7 })).TotalCount.ShouldBe(24);
    }

    [SkippableFact]
    public async Task QueryAsync_ScoresChangeBetweenPages_LaterPagesKeepTheFirstPagesSnapshot()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync(Source, Start, [.. Enumerable.Range(0, 30).Select(i => new ParsedProxy($"10.2.0.{i}", 8080, "http", null, null))]);
        var id = new string[30];
        for (var i = 0; i < 30; i++)
        {
            id[i] = await pool.IdOfAsync($"10.2.0.{i}", 8080);

            // Every third is dead (outside the filter); scores 0.01 .. 0.30, so proxy 29 is best.
            await UpdateAsync(pool, id[i], Start.AddSeconds(1), State(i % 3 == 0 ? "dead" : "active", (i + 1) / 100.0));
        }

        Clock.Advance(TimeSpan.FromMinutes(1));
        var query = new ProxyQuery { Status = "active", Limit = 7 };
        var originalOrder = (await QueryOkAsync(pool, query with { Limit = 200 })).Items.Select(p => p.Id).ToList();
        var first = await QueryOkAsync(pool, query);
        first.Items.Select(p => p.Id).ShouldBe(originalOrder.Take(7));
        first.TotalCount.ShouldBe(20);

        // After page 1: unseen proxies jump to the top, seen ones drop to the bottom, one leaves the filter, one joins it,
        // one changes twice, and new proxies arrive that would lead the listing.
        Clock.Advance(TimeSpan.FromSeconds(5));
        var now = Clock.GetUtcNow();
        var unseen = originalOrder.Skip(7).ToList();
        await UpdateAsync(pool, unseen[0], now, State("active", 0.99));
        await UpdateAsync(pool, unseen[5], now, State("active", 0.98));
        await UpdateAsync(pool, unseen[^1], now, State("active", 0.97));
        await UpdateAsync(pool, first.Items[0].Id, now, State("active", 0.001));
        await UpdateAsync(pool, first.Items[3].Id, now, State("active", 0.002));
        await UpdateAsync(pool, unseen[8], now, State("dead", 0.5));
        await UpdateAsync(pool, id[0], now, State("active", 0.95)); // was dead
        await UpdateAsync(pool, unseen[2], now, State("active", 0.5));
        await UpdateAsync(pool, unseen[2], now.AddSeconds(1), State("active", 0.001));
        await pool.IngestAsync(Source, now, new ParsedProxy("10.2.1.1", 8080, "http", null, null), new ParsedProxy("10.2.1.2", 8080, "http", null, null));
        foreach (var fresh in new[] { "10.2.1.1", "10.2.1.2" })
        {
            await UpdateAsync(pool, await pool.IdOfAsync(fresh, 8080), now.AddSeconds(2), State("active", 1.0));
        }

        var rest = new List<PoolProxy>();
        var page = first;
        while (page.NextCursor is not null)
        {
            page = await QueryOkAsync(pool, query with { Cursor = page.NextCursor });
            page.TotalCount.ShouldBe(20, "the total is the first page's");
            rest.AddRange(page.Items);
        }

        first.Items.Concat(rest).Select(p => p.Id).ShouldBe(originalOrder, "exactly the originally matching proxies, in their original order");
        rest.Single(p => p.Id == unseen[0]).Score.ShouldBe(originalOrderScore(unseen[0]), "shown as it was at the snapshot");

        // A fresh listing sees the present.
        var now2 = await QueryOkAsync(pool, query with { Limit = 3 });
        now2.Items.Select(p => p.Score).ShouldBe([1.0, 1.0, 0.99]);
        now2.TotalCount.ShouldBe(22);

        double originalOrderScore(string proxyId) => (Array.IndexOf(id, proxyId) + 1) / 100.0;
    }

    [SkippableFact]
    public async Task QueryAsync_ChangeStampedAheadOfTheReadersClock_EachProxyStillExactlyOnce()
    {
        // A checker host whose clock runs a minute ahead of the API host changes a proxy before page 1 is read: page 1 (live)
        // shows the change, so the pages after it must too.
        var pool = await CreatePoolAsync();
        await pool.IngestAsync(Source, Start, [.. Enumerable.Range(0, 20).Select(i => new ParsedProxy($"10.4.0.{i}", 8080, "http", null, null))]);
        var id = new string[20];
        for (var i = 0; i < 20; i++)
        {
            id[i] = await pool.IdOfAsync($"10.4.0.{i}", 8080);
            await UpdateAsync(pool, id[i], Start.AddSeconds(1), State("active", (i + 1) / 100.0));
        }

        Clock.Advance(TimeSpan.FromMinutes(1));
        await UpdateAsync(pool, id[0], Clock.GetUtcNow().AddMinutes(1), State("active", 0.99)); // worst to best, stamped ahead
        await UpdateAsync(pool, id[19], Clock.GetUtcNow().AddMinutes(1), State("active", 0.001)); // best to worst
        var live = (await QueryOkAsync(pool, new ProxyQuery { Limit = 200 })).Items.Select(p => p.Id).ToList();

        var paged = await ReadAllPagesAsync(pool, new ProxyQuery { Limit = 3 });

        live[0].ShouldBe(id[0]);
        paged.Select(p => p.Id).ShouldBe(live);
    }

    [SkippableFact]
    public async Task QueryAsync_CursorAlteredOrFromAnotherQuery_InvalidCursor()
    {
        var (pool, _) = await SeedCatalogueAsync();
        var first = await QueryOkAsync(pool, new ProxyQuery { Status = "active", Limit = 2 });
        var cursor = first.NextCursor!;
        await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/a.txt", "plaintext"));
        await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/b.txt", "plaintext"));
        var sources = await pool.SourceService.ListAsync(null, 1);

        string[] altered =
        [
            cursor[..^1] + (cursor[^1] == 'A' ? 'B' : 'A'),
            cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..],
            cursor[..^4],
            cursor + "AAAA",
            "not a cursor",
        ];
        foreach (var text in altered)
        {
            await ShouldBeInvalidCursorAsync(pool, new ProxyQuery { Status = "active", Limit = 2, Cursor = text });
        }

        await ShouldBeInvalidCursorAsync(pool, new ProxyQuery { Status = "dead", Limit = 2, Cursor = cursor });
        await ShouldBeInvalidCursorAsync(pool, new ProxyQuery { Status = "active", Sort = ProxySortField.Latency, Limit = 2, Cursor = cursor });
        await ShouldBeInvalidCursorAsync(pool, new ProxyQuery { Status = "active", Descending = false, Limit = 2, Cursor = cursor });
        await ShouldBeInvalidCursorAsync(pool, new ProxyQuery { Status = "active", MinScore = 0, Limit = 2, Cursor = cursor });
        sources.Value!.NextCursor.ShouldNotBeNull();
        await ShouldBeInvalidCursorAsync(pool, new ProxyQuery { Limit = 2, Cursor = sources.Value.NextCursor });

        // The page size is not part of the query; normalised filters are the same filters.
        (await pool.Pool.QueryAsync(new ProxyQuery { Status = " ACTIVE", Limit = 5, Cursor = cursor })).Succeeded.ShouldBeTrue();
    }

    [SkippableFact]
    public async Task QueryAsync_CursorOlderThanItsLifetime_InvalidCursor()
    {
        var (pool, _) = await SeedCatalogueAsync(o => o.Scraping.CursorLifetime = TimeSpan.FromMinutes(10));
        var query = new ProxyQuery { Limit = 2 };
        var cursor = (await QueryOkAsync(pool, query)).NextCursor!;

        Clock.Advance(TimeSpan.FromMinutes(10));
        (await pool.Pool.QueryAsync(query with { Cursor = cursor })).Succeeded.ShouldBeTrue("still within its lifetime");
        Clock.Advance(TimeSpan.FromSeconds(1));

        var error = await ShouldBeInvalidCursorAsync(pool, query with { Cursor = cursor });
        error.Message.ShouldContain("expired");
    }

    [SkippableFact]
    public async Task GetAsync_ProxyWithChecks_RecentChecksNewestFirstAtMostTwenty()
    {
        var (pool, ids) = await SeedCatalogueAsync();
        var p1 = ids.Single(p => p.Value == "P1").Key;
        var p2 = ids.Single(p => p.Value == "P2").Key;
        for (var i = 0; i < 22; i++)
        {
            await InsertCheckAsync(pool, p1, $"checker-{i}", Start.AddMinutes(i), passed: i % 2 == 0, latency: i == 3 ? null : 100 + i, detail: i == 4 ? null : $"detail {i}");
        }

        await InsertCheckAsync(pool, p2, "other", Start.AddDays(1), passed: true, latency: 1, detail: null);

        var details = await pool.Pool.GetAsync(p1);

        details!.Proxy.Id.ShouldBe(p1);
        details.Proxy.Score.ShouldBe(0.9);
        details.RecentChecks.Count.ShouldBe(20);
        details.RecentChecks.Select(c => c.CheckerName).ShouldBe(Enumerable.Range(2, 20).Reverse().Select(i => $"checker-{i}"));
        details.RecentChecks[0].ShouldBe(new ProxyCheckRecord("checker-21", 1, false, 121, "detail 21", Start.AddMinutes(21)));
        details.RecentChecks.Single(c => c.CheckerName == "checker-3").LatencyMs.ShouldBeNull();
        details.RecentChecks.Single(c => c.CheckerName == "checker-4").Detail.ShouldBeNull();
        (await pool.Pool.GetAsync(ids.Single(p => p.Value == "P5").Key))!.RecentChecks.ShouldBeEmpty();
    }

    [SkippableTheory]
    [InlineData("0195f7a0-0000-7000-8000-000000000001")]
    [InlineData("not-a-uuid")]
    [InlineData("")]
    [InlineData("1' OR '1'='1")]
    public async Task GetAsync_UnknownOrMalformedId_Null(string id)
    {
        var (pool, _) = await SeedCatalogueAsync();

        (await pool.Pool.GetAsync(id)).ShouldBeNull();
    }

    [SkippableFact]
    public async Task GetStatisticsAsync_SeededPool_CountsAndAverages()
    {
        var (pool, _) = await SeedCatalogueAsync();
        var active = await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/a.txt", "plaintext"));
        await pool.SourceService.CreateAsync(new NewProxySource("http://192.0.2.1/b.txt", "plaintext", IsActive: false));
        await pool.Sources.ClaimAsync(active.Value!.Id, "w", QueryTime, TimeSpan.FromMinutes(5), default);
        await pool.Sources.CompleteAsync(active.Value.Id, "w", QueryTime.AddSeconds(3), null, new ScrapeResult(active.Value.Id, 1, 1, 0, 5, 0, 0), null, default);

        var stats = await pool.Pool.GetStatisticsAsync();

        stats.TotalProxies.ShouldBe(7);
        stats.ByStatus.ShouldBe(new Dictionary<string, long> { ["active"] = 4, ["dead"] = 1, ["unchecked"] = 2 }, ignoreOrder: true);
        stats.ByProtocol.ShouldBe(new Dictionary<string, long> { ["http"] = 4, ["https"] = 1, ["socks4"] = 1, ["socks5"] = 1 }, ignoreOrder: true);
        stats.ByAnonymity.ShouldBe(new Dictionary<string, long> { ["elite"] = 2, ["anonymous"] = 1, ["transparent"] = 1 }, ignoreOrder: true);
        stats.AvgScore!.Value.ShouldBe((0.9 + 0.7 + 0.1 + 0.5 + 0.75) / 5, 1e-9);
        stats.AvgLatencyMs!.Value.ShouldBe((100 + 300 + 2000 + 50 + 200) / 5.0, 1e-9);
        stats.LastValidationAt.ShouldBe(QueryTime.AddMinutes(-1));
        stats.SourcesTotal.ShouldBe(2);
        stats.SourcesActive.ShouldBe(1);
        stats.LastScrapeAt.ShouldBe(QueryTime.AddSeconds(3));
    }

    [SkippableFact]
    public async Task GetStatisticsAsync_EmptyPool_ZeroesAndNulls()
    {
        var pool = await CreatePoolAsync();

        var stats = await pool.Pool.GetStatisticsAsync();

        stats.TotalProxies.ShouldBe(0);
        stats.ByStatus.ShouldBeEmpty();
        stats.AvgScore.ShouldBeNull();
        stats.AvgLatencyMs.ShouldBeNull();
        stats.LastValidationAt.ShouldBeNull();
        stats.LastScrapeAt.ShouldBeNull();
        stats.SourcesTotal.ShouldBe(0);
    }

    [SkippableFact]
    public async Task UpdateStateAsync_UnknownProxy_FalseAndNoHistory()
    {
        var pool = await CreatePoolAsync();

        (await pool.Proxies.UpdateStateAsync(Guid.NewGuid().ToString(), State("active", 1), Start, default)).ShouldBeFalse();

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_history")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task UpdateStateAsync_ClockBehindThePreviousChange_StillMovesForwardInTime()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync(Source, Start, new ParsedProxy("10.3.0.1", 80, "http", null, null));
        var id = await pool.IdOfAsync("10.3.0.1", 80);

        await UpdateAsync(pool, id, Start.AddMinutes(5), State("active", 0.5));
        await UpdateAsync(pool, id, Start.AddMinutes(1), State("active", 0.6)); // another host's clock lags

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_history WHERE proxy_id = @id", ("id", id))).ShouldBe(2);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_history WHERE valid_from >= changed_at")).ShouldBe(0);
        (await pool.Pool.GetAsync(id))!.Proxy.Score.ShouldBe(0.6);
    }

    [SkippableFact]
    public async Task PruneHistoryAsync_OlderThanTheCutoff_DeletesOnlyThose()
    {
        var pool = await CreatePoolAsync();
        await pool.IngestAsync(Source, Start, new ParsedProxy("10.3.0.1", 80, "http", null, null));
        var id = await pool.IdOfAsync("10.3.0.1", 80);
        await UpdateAsync(pool, id, Start.AddMinutes(1), State("active", 0.1));
        await UpdateAsync(pool, id, Start.AddMinutes(2), State("active", 0.2));
        await UpdateAsync(pool, id, Start.AddMinutes(3), State("active", 0.3));

        var pruned = await pool.Proxies.PruneHistoryAsync(Start.AddMinutes(2).AddSeconds(30), default);

        pruned.ShouldBe(2);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_history")).ShouldBe(1);
    }

    private static ProxyStateUpdate State(string status, double score) =>
        new(status, "anonymous", null, "NL", score, 250, 80, Start);

    private static async Task UpdateAsync(PoolHarness pool, string id, DateTimeOffset at, ProxyStateUpdate state) =>
        (await pool.Proxies.UpdateStateAsync(id, state, at, default)).ShouldBeTrue();

    private async Task<(PoolHarness Pool, Dictionary<string, string> Names)> SeedCatalogueAsync(Action<PoolOptions>? configure = null)
    {
        var pool = await CreatePoolAsync(configure);
        var proxies = Catalogue.Select((s, i) => new ParsedProxy($"198.51.100.{i + 1}", 8000 + i, s.Protocol, null, null)).ToArray();
        (await pool.IngestAsync(Source, Start, proxies)).ShouldBe(Catalogue.Length);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Catalogue.Length; i++)
        {
            var seed = Catalogue[i];
            var id = await pool.IdOfAsync(proxies[i].Ip, proxies[i].Port, seed.Protocol);
            names[id] = seed.Name;
            if (seed.Status is not null)
            {
                await UpdateAsync(pool, id, Start.AddSeconds(1), new ProxyStateUpdate(
                    seed.Status, seed.Anonymity, proxies[i].Ip, seed.Country, seed.Score, seed.Latency, seed.Uptime, QueryTime.AddMinutes(-seed.CheckedMinutesAgo)));
            }
        }

        Clock.SetUtcNow(QueryTime);
        return (pool, names);
    }

    private static async Task<ProxyPage> QueryOkAsync(PoolHarness pool, ProxyQuery query)
    {
        var result = await pool.Pool.QueryAsync(query);
        result.Error.ShouldBeNull();
        return result.Value!;
    }

    private static async Task<List<PoolProxy>> ReadAllPagesAsync(PoolHarness pool, ProxyQuery query)
    {
        var all = new List<PoolProxy>();
        string? cursor = null;
        do
        {
            var page = await QueryOkAsync(pool, query with { Cursor = cursor });
            page.Items.Count.ShouldBeLessThanOrEqualTo(query.Limit);
            if (page.NextCursor is not null)
            {
                page.Items.Count.ShouldBe(query.Limit, "only the last page may be short");
            }

            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && all.Count < 1000);

        return all;
    }

    private static async Task<ProxyKitError> ShouldBeInvalidCursorAsync(PoolHarness pool, ProxyQuery query)
    {
        var result = await pool.Pool.QueryAsync(query);
        var error = result.Error.ShouldNotBeNull(query.Cursor);
        error.Code.ShouldBe(PoolErrorCodes.InvalidCursor, query.Cursor);
        error.Details!["field"].ShouldBe("cursor");
        return error;
    }

    /// <summary>Asserts an order written as "A B {C D}": braces hold ties, in either order.</summary>
    private static void ShouldBeInOrder(List<string> actual, string expected, string label)
    {
        var flat = expected.Replace("{", string.Empty, StringComparison.Ordinal).Replace("}", string.Empty, StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        actual.Count.ShouldBe(flat.Length, label);
        var position = 0;
        foreach (var token in Tokens(expected))
        {
            actual.Skip(position).Take(token.Count).ShouldBe(token, ignoreOrder: true, label);
            position += token.Count;
        }

        static IEnumerable<List<string>> Tokens(string text)
        {
            var i = 0;
            while (i < text.Length)
            {
                if (text[i] == ' ')
                {
                    i++;
                }
                else if (text[i] == '{')
                {
                    var end = text.IndexOf('}', i);
                    yield return [.. text[(i + 1)..end].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
                    i = end + 1;
                }
                else
                {
                    var end = text.IndexOf(' ', i);
                    end = end < 0 ? text.Length : end;
                    yield return [text[i..end]];
                    i = end;
                }
            }
        }
    }

    private static Task InsertCheckAsync(PoolHarness pool, string proxyId, string checker, DateTimeOffset at, bool passed, double? latency, string? detail) =>
        pool.ExecuteAsync(
            "INSERT INTO pool_proxy_checks (proxy_id, checker_name, stage, passed, latency_ms, detail, created_at) VALUES (@proxy, @checker, 1, @passed, @latency, @detail, @at)",
            ("proxy", proxyId), ("checker", checker), ("passed", passed), ("latency", latency), ("detail", detail), ("at", at));

    private sealed record Seed(
        string Name, string Protocol, string? Status = null, string? Anonymity = null, string? Country = null,
        double Score = 0, double? Latency = null, double? Uptime = null, int CheckedMinutesAgo = 0);
}

public sealed class SqliteProxyQueryTests() : ProxyQueryContractTests(TestEngine.Sqlite);

public sealed class PostgresProxyQueryTests() : ProxyQueryContractTests(TestEngine.Postgres);
