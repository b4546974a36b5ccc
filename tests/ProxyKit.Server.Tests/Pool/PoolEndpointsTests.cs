using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Server.Tests.Pool;

public sealed class PoolEndpointsTests : IAsyncLifetime
{
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;
    private ListServer _lists = null!;

    public async Task InitializeAsync()
    {
        _lists = await ListServer.StartAsync();
        _factory = new ServerFactory().With("ProxyKit:Pool:Fetch:AllowPrivateAddresses", "true");
        _client = _factory.CreateClient();
        using var response = await _client.PostAsJsonAsync("/auth/register", new { email = "pool@example.com", display_name = "Pool" });
        var key = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetProperty("key").GetString();
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _lists.DisposeAsync();
    }

    [Theory]
    [InlineData("GET", "/sources")]
    [InlineData("POST", "/sources")]
    [InlineData("GET", "/proxies")]
    [InlineData("GET", "/stats/pool")]
    [InlineData("GET", "/stats/plugins")]
    public async Task Endpoints_WithoutAKey_Are401InTheSeedsShape(string method, string path)
    {
        using var anonymous = _factory.CreateClient();

        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("UNAUTHORIZED");
    }

    [Fact]
    public async Task Source_Lifecycle_DetectsScrapesListsPatchesAndDeletesKeepingProxies()
    {
        using var created = await _client.PostAsJsonAsync("/sources", new { url = Url("/list.txt"), cron_schedule = "*/15 * * * *" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var source = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = source.GetProperty("id").GetString()!;
        source.GetProperty("parser_name").GetString().ShouldBe("plaintext");
        source.GetProperty("cron_schedule").GetString().ShouldBe("*/15 * * * *");
        source.GetProperty("default_protocol").ValueKind.ShouldBe(JsonValueKind.Null);
        source.GetProperty("is_active").GetBoolean().ShouldBeTrue();
        source.GetProperty("last_scraped_at").ValueKind.ShouldBe(JsonValueKind.Null);
        source.GetProperty("created_at").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));

        var first = await PostJsonAsync($"/sources/{id}/scrape", HttpStatusCode.OK);
        first.GetProperty("source_id").GetString().ShouldBe(id);
        first.GetProperty("proxies_discovered").GetInt32().ShouldBe(51);
        first.GetProperty("proxies_new").GetInt32().ShouldBe(51);
        first.GetProperty("proxies_updated").GetInt32().ShouldBe(0);
        first.GetProperty("duration_ms").GetInt64().ShouldBeGreaterThanOrEqualTo(0);
        var second = await PostJsonAsync($"/sources/{id}/scrape", HttpStatusCode.OK);
        second.GetProperty("proxies_new").GetInt32().ShouldBe(0);
        second.GetProperty("proxies_updated").GetInt32().ShouldBe(51);

        var listed = await GetJsonAsync("/sources?is_active=true");
        listed.GetProperty("total_count").GetInt64().ShouldBe(1);
        var stats = listed.GetProperty("items")[0].GetProperty("stats");
        stats.GetProperty("scrape_count").GetInt64().ShouldBe(2);
        stats.GetProperty("last_proxies_found").GetInt32().ShouldBe(51);
        stats.GetProperty("proxies_yielded").GetInt64().ShouldBe(51);
        listed.GetProperty("items")[0].GetProperty("last_scraped_at").ValueKind.ShouldBe(JsonValueKind.String);

        using var patched = await _client.PatchAsJsonAsync($"/sources/{id}", new { is_active = false, default_protocol = "socks5" });
        var patch = await patched.Content.ReadFromJsonAsync<JsonElement>();
        patched.StatusCode.ShouldBe(HttpStatusCode.OK);
        patch.GetProperty("is_active").GetBoolean().ShouldBeFalse();
        patch.GetProperty("next_run_at").ValueKind.ShouldBe(JsonValueKind.Null);
        patch.GetProperty("default_protocol").GetString().ShouldBe("socks5");
        patch.GetProperty("cron_schedule").GetString().ShouldBe("*/15 * * * *", "fields not in the patch stay");
        (await GetJsonAsync("/sources?is_active=true")).GetProperty("total_count").GetInt64().ShouldBe(0);

        using var deleted = await _client.DeleteAsync($"/sources/{id}");
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var gone = await _client.GetAsync($"/sources/{id}");
        gone.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await GetJsonAsync("/proxies")).GetProperty("total_count").GetInt64().ShouldBe(51, "deleting a source keeps its proxies");
    }

    [Fact]
    public async Task Proxies_ShapeDetailsAndStats_MatchTheSeed()
    {
        var id = (await CreateSourceAsync("/list.txt")).GetProperty("id").GetString();
        await PostJsonAsync($"/sources/{id}/scrape", HttpStatusCode.OK);

        var page = await GetJsonAsync("/proxies?protocol=socks5");
        page.GetProperty("total_count").GetInt64().ShouldBe(1);
        page.GetProperty("next_cursor").ValueKind.ShouldBe(JsonValueKind.Null);
        var proxy = page.GetProperty("items")[0];
        proxy.GetProperty("ip").GetString().ShouldBe("10.2.0.1");
        proxy.GetProperty("port").GetInt32().ShouldBe(1080);
        proxy.GetProperty("protocol").GetString().ShouldBe("socks5");
        proxy.GetProperty("status").GetString().ShouldBe("unchecked");
        proxy.GetProperty("has_credentials").GetBoolean().ShouldBeTrue();
        foreach (var unknown in new[] { "anonymity", "exit_ip", "country", "avg_latency_ms", "uptime_pct", "last_checked_at" })
        {
            proxy.GetProperty(unknown).ValueKind.ShouldBe(JsonValueKind.Null, unknown);
        }

        proxy.GetProperty("score").GetDouble().ShouldBe(0);
        proxy.GetProperty("tags").ValueKind.ShouldBe(JsonValueKind.Object);
        page.GetRawText().ShouldNotContain("s3cret");

        var details = await GetJsonAsync($"/proxies/{proxy.GetProperty("id").GetString()}");
        details.GetProperty("proxy").GetProperty("id").GetString().ShouldBe(proxy.GetProperty("id").GetString());
        details.GetProperty("recent_checks").GetArrayLength().ShouldBe(0);
        using var missing = await _client.GetAsync($"/proxies/{Guid.NewGuid()}");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var stats = await GetJsonAsync("/stats/pool");
        stats.GetProperty("total_proxies").GetInt64().ShouldBe(51);
        stats.GetProperty("by_status").GetProperty("unchecked").GetInt64().ShouldBe(51);
        stats.GetProperty("by_status").GetProperty("active").GetInt64().ShouldBe(0);
        stats.GetProperty("by_protocol").GetProperty("http").GetInt64().ShouldBe(50);
        stats.GetProperty("by_protocol").GetProperty("socks5").GetInt64().ShouldBe(1);
        stats.GetProperty("sources_total").GetInt64().ShouldBe(1);
        stats.GetProperty("sources_active").GetInt64().ShouldBe(1);
        stats.GetProperty("last_scrape_at").ValueKind.ShouldBe(JsonValueKind.String);
        stats.GetProperty("last_validation_at").ValueKind.ShouldBe(JsonValueKind.Null);

        var plugins = await GetJsonAsync("/stats/plugins");
        plugins.GetProperty("parsers").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ShouldBe(["json", "csv", "html", "plaintext"]);
        plugins.GetProperty("parsers")[0].GetProperty("type").GetString().ShouldBe("SourceParser");
        plugins.GetProperty("checkers").EnumerateArray().Select(c => c.GetProperty("stage").GetInt32()).ShouldBeInOrder(SortDirection.Ascending);
        plugins.GetProperty("checkers")[0].GetProperty("name").GetString().ShouldBe("tcp_connect");
        plugins.GetProperty("notifiers").EnumerateArray().Select(n => n.GetProperty("name").GetString()).ShouldContain("log");
    }

    [Fact]
    public async Task Proxies_PagedWithACursor_EveryProxyExactlyOnce()
    {
        var id = (await CreateSourceAsync("/list.txt")).GetProperty("id").GetString();
        await PostJsonAsync($"/sources/{id}/scrape", HttpStatusCode.OK);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetJsonAsync("/proxies?limit=10&sort=latency" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)));
            page.GetProperty("total_count").GetInt64().ShouldBe(51);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        seen.Count.ShouldBe(51);
        seen.Distinct().Count().ShouldBe(51);
    }

    [Theory]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("sort=speed", "sort")]
    [InlineData("order=up", "order")]
    [InlineData("status=alive", "status")]
    [InlineData("protocol=ftp", "protocol")]
    [InlineData("anonymity=secret", "anonymity")]
    [InlineData("country=USA", "country")]
    [InlineData("min_score=1.5", "min_score")]
    [InlineData("min_score=abc", "min_score")]
    [InlineData("max_latency_ms=-1", "max_latency_ms")]
    [InlineData("min_uptime_pct=101", "min_uptime_pct")]
    [InlineData("verified_within_minutes=0", "verified_within_minutes")]
    public async Task Proxies_BadQuery_Is400NamingTheField(string query, string field)
    {
        using var response = await _client.GetAsync("/proxies?" + query);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.GetProperty("code").GetString().ShouldBe("INVALID_REQUEST");
        error.GetProperty("details").GetProperty("field").GetString().ShouldBe(field);
    }

    [Fact]
    public async Task Proxies_TamperedOrForeignCursor_Is400InvalidCursor()
    {
        var id = (await CreateSourceAsync("/list.txt")).GetProperty("id").GetString();
        await PostJsonAsync($"/sources/{id}/scrape", HttpStatusCode.OK);
        var cursor = (await GetJsonAsync("/proxies?limit=5")).GetProperty("next_cursor").GetString()!;
        var tampered = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];

        foreach (var query in new[] { "limit=5&cursor=" + tampered, "limit=5&status=dead&cursor=" + cursor, "cursor=not-a-cursor" })
        {
            using var response = await _client.GetAsync("/proxies?" + query);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, query);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("INVALID_CURSOR");
        }

        using var genuine = await _client.GetAsync("/proxies?limit=5&cursor=" + Uri.EscapeDataString(cursor));
        genuine.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"url":"http://127.0.0.1/x","parser_name":"nope"}""", 422, "UNKNOWN_PARSER")]
    [InlineData("""{"url":"ftp://127.0.0.1/x","parser_name":"plaintext"}""", 400, "INVALID_REQUEST")]
    [InlineData("""{"url":"not a url","parser_name":"plaintext"}""", 400, "INVALID_REQUEST")]
    [InlineData("""{"url":"http://127.0.0.1/x","parser_name":"plaintext","cron_schedule":"61 * * * *"}""", 400, "INVALID_REQUEST")]
    [InlineData("""{"url":"http://127.0.0.1/x","parser_name":"plaintext","cron_schedule":"* * *"}""", 400, "INVALID_REQUEST")]
    [InlineData("""{"url":"http://127.0.0.1/x","parser_name":"plaintext","default_protocol":"gopher"}""", 400, "INVALID_REQUEST")]
    [InlineData("""{"url":42}""", 400, "INVALID_REQUEST")]
    public async Task CreateSource_BadInput_RefusedInTheSeedsShapeAndNothingStored(string json, int status, string code)
    {
        using var response = await _client.PostAsync("/sources", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        ((int)response.StatusCode).ShouldBe(status);
        error.GetProperty("code").GetString().ShouldBe(code);
        error.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
        (await GetJsonAsync("/sources")).GetProperty("total_count").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task CreateSource_DetectsJsonAndRefusesAnUnreachableUrl()
    {
        (await CreateSourceAsync("/list.json")).GetProperty("parser_name").GetString().ShouldBe("json");

        using var missing = await _client.PostAsJsonAsync("/sources", new { url = Url("/missing.txt") });
        var error = (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        missing.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        error.GetProperty("code").GetString().ShouldBe("SOURCE_FETCH_FAILED");
        error.GetProperty("details").GetProperty("status_code").GetInt32().ShouldBe(404);
    }

    [Fact]
    public async Task Scrape_UnknownSource_Is404()
    {
        using var response = await _client.PostAsync($"/sources/{Guid.NewGuid()}/scrape", null);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("NOT_FOUND");
    }

    [Fact]
    public async Task Sources_OnLoopback_RefusedByDefault()
    {
        await using var guarded = new ServerFactory();
        using var client = guarded.CreateClient();
        using var registered = await client.PostAsJsonAsync("/auth/register", new { email = "guard@example.com", display_name = "Guard" });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetProperty("key").GetString());
        var before = _lists.Requests;

        using var detect = await client.PostAsJsonAsync("/sources", new { url = Url("/list.txt") });
        using var named = await client.PostAsJsonAsync("/sources", new { url = Url("/list.txt"), parser_name = "plaintext" });
        var id = (await named.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var scrape = await client.PostAsync($"/sources/{id}/scrape", null);

        detect.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        scrape.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        (await scrape.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("SOURCE_FETCH_FAILED");
        _lists.Requests.ShouldBe(before, "nothing reached the loopback server");
    }

    [Fact]
    public async Task Worker_InTheServer_ScrapesANewActiveSourceByItself()
    {
        await using var standalone = new ServerFactory()
            .With("ProxyKit:Pool:Fetch:AllowPrivateAddresses", "true")
            .With("ProxyKit:Server:RunWorkers", "true")
            .With("ProxyKit:Pool:Scraping:PollInterval", "00:00:00.100")
            .With("ProxyKit:Pool:Validation:PollInterval", "1.00:00:00"); // the listed proxies are not ours to connect to
        using var client = standalone.CreateClient();
        using var registered = await client.PostAsJsonAsync("/auth/register", new { email = "worker@example.com", display_name = "Worker" });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetProperty("key").GetString());

        using var created = await client.PostAsJsonAsync("/sources", new { url = Url("/list.txt"), parser_name = "plaintext" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        long total;
        do
        {
            await Task.Delay(100);
            total = (await (await client.GetAsync("/proxies")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total_count").GetInt64();
        }
        while (total < 51 && DateTime.UtcNow < deadline);

        total.ShouldBe(51);
        var source = (await (await client.GetAsync("/sources")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items")[0];
        source.GetProperty("next_run_at").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow, "rescheduled on its cron");
    }

    private string Url(string path) => new Uri(_lists.BaseAddress, path).ToString();

    private async Task<JsonElement> CreateSourceAsync(string path)
    {
        using var response = await _client.PostAsJsonAsync("/sources", new { url = Url(path) });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> PostJsonAsync(string path, HttpStatusCode expected)
    {
        using var response = await _client.PostAsync(path, null);
        response.StatusCode.ShouldBe(expected, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}

public sealed class PoolEndpointFailureTests : IAsyncLifetime
{
    private ListServer _lists = null!;

    public async Task InitializeAsync() => _lists = await ListServer.StartAsync();

    public async Task DisposeAsync() => await _lists.DisposeAsync();

    [Theory]
    [InlineData(false, 500, "INTERNAL_ERROR")]
    [InlineData(true, 503, "SERVICE_UNAVAILABLE")]
    public async Task Scrape_ParserPluginThrows_AnswersInTheSeedsShapeAndRecordsTheFailure(bool transient, int status, string code)
    {
        var notifier = new RecordingNotifier();
        await using var factory = new ServerFactory()
            .With("ProxyKit:Pool:Fetch:AllowPrivateAddresses", "true")
            .WithServices(s => s.AddSingleton<ProxyKit.Pool.Parsing.IProxySourceParser>(new ThrowingParser(transient)))
            .WithServices(s => s.AddSingleton<ProxyKit.Pool.Notifications.IPoolNotifier>(notifier));
        using var client = factory.CreateClient();
        using var registered = await client.PostAsJsonAsync("/auth/register", new { email = "fail@example.com", display_name = "Fail" });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetProperty("key").GetString());
        using var created = await client.PostAsJsonAsync("/sources", new { url = new Uri(_lists.BaseAddress, "/list.txt").ToString(), parser_name = "broken" });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var response = await client.PostAsync($"/sources/{id}/scrape", null);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        ((int)response.StatusCode).ShouldBe(status);
        error.GetProperty("code").GetString().ShouldBe(code);
        error.GetProperty("message").GetString()!.ShouldNotContain("secret detail");
        response.Headers.Contains("Retry-After").ShouldBe(transient);
        var source = (await (await client.GetAsync($"/sources/{id}")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stats");
        source.GetProperty("failure_count").GetInt64().ShouldBe(1);
        source.GetProperty("last_error").GetString().ShouldNotBeNullOrWhiteSpace();
        (await (await client.PostAsync($"/sources/{id}/scrape", null)).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("error").GetProperty("code").GetString().ShouldBe(code, "the claim was released: the next scrape runs (and fails) again");
        for (var i = 0; i < 50 && notifier.Received.Count < 2; i++)
        {
            await Task.Delay(100);
        }

        notifier.Received.Count.ShouldBe(2, "one source.failed per failed scrape");
        notifier.Received.ShouldAllBe(e => e.Type == "source.failed" && (string?)e.Data["source_id"] == id);
    }

    private sealed class RecordingNotifier : ProxyKit.Pool.Notifications.IPoolNotifier
    {
        public System.Collections.Concurrent.ConcurrentQueue<ProxyKit.Pool.Notifications.PoolEvent> Received { get; } = new();

        public string Name => "recorder";

        public IReadOnlyList<string> Subscriptions { get; } = ["source.*"];

        public bool IsHealthy => true;

        public ValueTask NotifyAsync(ProxyKit.Pool.Notifications.PoolEvent poolEvent, CancellationToken cancellationToken)
        {
            Received.Enqueue(poolEvent);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ThrowingParser(bool transient) : ProxyKit.Pool.Parsing.IProxySourceParser
    {
        public string Name => "broken";

        public bool Supports(ProxyKit.Pool.Parsing.ProxyDocumentProbe probe) => false;

        public ValueTask ParseAsync(Stream content, ProxyKit.Pool.Parsing.ProxyParseContext context, CancellationToken cancellationToken = default) =>
            throw (transient
                ? new ProxyKitException("secret detail: upstream down", null, isTransient: true)
                : new InvalidOperationException("secret detail: plugin bug"));
    }
}
