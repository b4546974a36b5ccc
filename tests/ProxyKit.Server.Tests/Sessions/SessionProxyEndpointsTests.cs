using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ProxyKit.Server.Tests.Sessions;

/// <summary>Seed 002's <c>/api/proxies</c> over HTTP on the embedded default (SQLite, in-process limits).</summary>
public sealed class SessionProxyEndpointsTests : IAsyncLifetime
{
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ServerFactory()
            .With("ProxyKit:Pool:Sessions:MaxInFlight", "2")
            .With("ProxyKit:Pool:Sessions:FlushInterval", "00:00:00.050")
            .With("ProxyKit:Pool:Sessions:ErrorThreshold", "3");
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Crud_TheSeedsShapes_CreateListPatchDelete()
    {
        using var created = await _client.PostAsJsonAsync("/api/proxies",
            new { ip = "192.168.1.1", port = 8080, username = "user", password = "pass", session = "session_cookie" });
        var proxy = await created.Content.ReadFromJsonAsync<JsonElement>();

        created.StatusCode.ShouldBe(HttpStatusCode.Created, proxy.ToString());
        var id = proxy.GetProperty("id").GetInt64();
        proxy.GetProperty("ip").GetString().ShouldBe("192.168.1.1");
        proxy.GetProperty("port").GetInt32().ShouldBe(8080);
        proxy.GetProperty("username").GetString().ShouldBe("user");
        proxy.GetProperty("password").GetString().ShouldBe("pass");
        proxy.GetProperty("is_active").GetBoolean().ShouldBeTrue();
        foreach (var counter in new[] { "total_requests", "failed_requests", "requests_this_hour", "error_count" })
        {
            proxy.GetProperty(counter).GetInt64().ShouldBe(0, counter);
        }

        proxy.GetProperty("created_at").GetDateTimeOffset().ShouldBe(proxy.GetProperty("updated_at").GetDateTimeOffset());
        var session = proxy.GetProperty("sessions").EnumerateArray().Single();
        session.GetProperty("id").GetInt64().ShouldBeGreaterThan(0);
        session.GetProperty("session").GetString().ShouldBe("session_cookie");
        session.GetProperty("status").GetString().ShouldBe("active");

        var listed = (await _client.GetFromJsonAsync<JsonElement>("/api/proxies")).EnumerateArray().Single();
        listed.GetProperty("id").GetInt64().ShouldBe(id);
        listed.GetProperty("sessions").GetArrayLength().ShouldBe(1);

        using var patched = await _client.PatchAsJsonAsync($"/api/proxies/{id}/status", new { status = "disabled" });
        var disabled = await patched.Content.ReadFromJsonAsync<JsonElement>();
        patched.StatusCode.ShouldBe(HttpStatusCode.OK, disabled.ToString());
        disabled.GetProperty("is_active").GetBoolean().ShouldBeFalse();
        disabled.TryGetProperty("sessions", out _).ShouldBeFalse("the seed's PATCH answer has no sessions");

        using var deleted = await _client.DeleteAsync($"/api/proxies/{id}");
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await _client.GetFromJsonAsync<JsonElement>("/api/proxies")).GetArrayLength().ShouldBe(0);
        using var again = await _client.DeleteAsync($"/api/proxies/{id}");
        await ShouldBeErrorAsync(again, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Errors_EveryCodeInTheSeedsShape()
    {
        using var missing = await _client.PostAsJsonAsync("/api/proxies", new { ip = "10.0.0.1" });
        var details = await ShouldBeErrorAsync(missing, HttpStatusCode.BadRequest, "validation_error");
        details.GetProperty("port").GetString().ShouldBe("is required");
        details.GetProperty("session").GetString().ShouldBe("is required");

        using var badIp = await _client.PostAsJsonAsync("/api/proxies", new { ip = "10.1", port = 80, session = "s" });
        (await ShouldBeErrorAsync(badIp, HttpStatusCode.BadRequest, "validation_error")).TryGetProperty("ip", out _).ShouldBeTrue();

        using var malformed = await _client.PostAsync("/api/proxies", new StringContent("{\"ip\": ", Encoding.UTF8, "application/json"));
        await ShouldBeErrorAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");

        using var wrongType = await _client.PostAsync("/api/proxies", new StringContent("{\"ip\":\"10.0.0.1\",\"port\":\"eighty\",\"session\":\"s\"}", Encoding.UTF8, "application/json"));
        await ShouldBeErrorAsync(wrongType, HttpStatusCode.BadRequest, "invalid_request");

        using var first = await _client.PostAsJsonAsync("/api/proxies", new { ip = "10.0.0.1", port = 80, session = "cookie-1" });
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        using var sameEndpoint = await _client.PostAsJsonAsync("/api/proxies", new { ip = "10.0.0.1", port = 80, session = "cookie-2" });
        await ShouldBeErrorAsync(sameEndpoint, HttpStatusCode.Conflict, "duplicate_proxy");
        using var sameCookie = await _client.PostAsJsonAsync("/api/proxies", new { ip = "10.0.0.2", port = 80, session = "cookie-1" });
        var duplicate = await sameCookie.Content.ReadAsStringAsync();
        duplicate.ShouldContain("duplicate_session");
        duplicate.ShouldNotContain("cookie-1", Case.Sensitive, "a session cookie is a secret and never echoed");
        sameCookie.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await _client.GetFromJsonAsync<JsonElement>("/api/proxies")).GetArrayLength().ShouldBe(1, "refused creates leave nothing behind");

        using var badStatus = await _client.PatchAsJsonAsync($"/api/proxies/{id}/status", new { status = "paused" });
        await ShouldBeErrorAsync(badStatus, HttpStatusCode.BadRequest, "validation_error");
        using var unknownPatch = await _client.PatchAsJsonAsync($"/api/proxies/{id + 100}/status", new { status = "active" });
        await ShouldBeErrorAsync(unknownPatch, HttpStatusCode.NotFound, "not_found");
        using var unknownReport = await _client.PostAsJsonAsync($"/api/proxies/{id + 100}/report", new { success = true, latency_ms = 10 });
        await ShouldBeErrorAsync(unknownReport, HttpStatusCode.NotFound, "not_found");
        using var badReport = await _client.PostAsJsonAsync($"/api/proxies/{id}/report", new { latency_ms = -1 });
        var reportProblems = await ShouldBeErrorAsync(badReport, HttpStatusCode.BadRequest, "validation_error");
        reportProblems.TryGetProperty("success", out _).ShouldBeTrue();
        reportProblems.TryGetProperty("latency_ms", out _).ShouldBeTrue();

        using var secondSession = await _client.PostAsJsonAsync($"/api/proxies/{id}/sessions", new { session = "cookie-3" });
        secondSession.StatusCode.ShouldBe(HttpStatusCode.Created);
        using var taken = await _client.PostAsJsonAsync($"/api/proxies/{id}/sessions", new { session = "cookie-3" });
        await ShouldBeErrorAsync(taken, HttpStatusCode.Conflict, "duplicate_session");
    }

    [Fact]
    public async Task Create_TwentyConcurrentCreatesOfOneEndpoint_ExactlyOneWins()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            _client.PostAsJsonAsync("/api/proxies", new { ip = "10.9.9.9", port = 3128, session = $"race-{i}" })));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        foreach (var lost in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await ShouldBeErrorAsync(lost, HttpStatusCode.Conflict, "duplicate_proxy");
        }

        var listed = (await _client.GetFromJsonAsync<JsonElement>("/api/proxies")).EnumerateArray().Single();
        listed.GetProperty("sessions").GetArrayLength().ShouldBe(1, "the losers' sessions were not written");
        Array.ForEach(responses, r => r.Dispose());
    }

    [Fact]
    public async Task NextAndReport_RoundTrip_CountersAndMetricsFollow()
    {
        var id = await CreateAsync("10.0.0.1", "cookie-a");

        using var next = await _client.PostAsync("/api/proxies/next", null);
        var ticket = await next.Content.ReadFromJsonAsync<JsonElement>();
        next.StatusCode.ShouldBe(HttpStatusCode.OK, ticket.ToString());
        ticket.GetProperty("proxy").GetProperty("id").GetInt64().ShouldBe(id);
        ticket.GetProperty("state").GetString().ShouldBe("available");

        using var report = await _client.PostAsJsonAsync($"/api/proxies/{id}/report",
            new { success = true, latency_ms = 120.0, status_code = 200, ticket = ticket.GetProperty("ticket").GetString() });
        var reported = await report.Content.ReadFromJsonAsync<JsonElement>();
        report.StatusCode.ShouldBe(HttpStatusCode.OK, reported.ToString());
        reported.GetProperty("ticket_released").GetBoolean().ShouldBeTrue();
        reported.GetProperty("failed").GetBoolean().ShouldBeFalse();

        using var blocked = await _client.PostAsJsonAsync($"/api/proxies/{id}/report", new { success = true, latency_ms = 80.0, status_code = 429 });
        var blockedBody = await blocked.Content.ReadFromJsonAsync<JsonElement>();
        blockedBody.GetProperty("failed").GetBoolean().ShouldBeTrue("429 from the target means blocked");
        blockedBody.GetProperty("blocked").GetBoolean().ShouldBeTrue();
        blockedBody.GetProperty("error_count").GetInt32().ShouldBe(1);

        // Counters reach the database within the flush interval.
        var proxy = await EventuallyAsync(async () =>
        {
            var p = (await _client.GetFromJsonAsync<JsonElement>($"/api/proxies/{id}"));
            return p.GetProperty("total_requests").GetInt64() == 2 ? p : (JsonElement?)null;
        });
        proxy.GetProperty("failed_requests").GetInt64().ShouldBe(1);
        proxy.GetProperty("blocked_requests").GetInt64().ShouldBe(1);
        proxy.GetProperty("requests_this_hour").GetInt64().ShouldBe(2, "one handed out by next, one reported without a ticket");
        proxy.GetProperty("error_count").GetInt32().ShouldBe(1);

        var metrics = await _client.GetFromJsonAsync<JsonElement>("/api/proxies/metrics");
        metrics.GetProperty("proxies").GetProperty("total").GetInt32().ShouldBe(1);
        metrics.GetProperty("total_requests").GetInt64().ShouldBe(2);
        metrics.GetProperty("in_flight").GetInt32().ShouldBe(0);
        var window = metrics.GetProperty("window");
        window.GetProperty("successes").GetInt64().ShouldBe(1);
        window.GetProperty("failures").GetInt64().ShouldBe(1);
        window.GetProperty("avg_latency_ms").GetDouble().ShouldBe(100.0);
        metrics.GetProperty("per_proxy").EnumerateArray().Single().GetProperty("state").GetString().ShouldBe("available");
    }

    [Fact]
    public async Task Next_100ParallelCalls_NeverExceedTheInFlightCap()
    {
        var ids = new[] { await CreateAsync("10.0.0.1", "c1"), await CreateAsync("10.0.0.2", "c2"), await CreateAsync("10.0.0.3", "c3") };

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => _client.PostAsync("/api/proxies/next", null)));

        var granted = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        granted.Count.ShouldBe(6, "3 proxies × MaxInFlight 2");
        var perProxy = new Dictionary<long, int>();
        foreach (var ok in granted)
        {
            var id = (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxy").GetProperty("id").GetInt64();
            perProxy[id] = perProxy.GetValueOrDefault(id) + 1;
        }

        perProxy.Keys.ShouldBe(ids, ignoreOrder: true);
        perProxy.Values.ShouldAllBe(count => count == 2);
        var refused = responses.First(r => r.StatusCode != HttpStatusCode.OK);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        (await ShouldBeErrorAsync(refused, HttpStatusCode.ServiceUnavailable, "no_proxy_available")).GetProperty("busy").GetInt32().ShouldBe(3);
        Array.ForEach(responses, r => r.Dispose());
    }

    [Fact]
    public async Task Next_FailingProxy_CoolsDownAfterTheThresholdAndIsSkipped()
    {
        var failing = await CreateAsync("10.0.0.1", "c1");
        var healthy = await CreateAsync("10.0.0.2", "c2");
        await _client.PatchAsJsonAsync($"/api/proxies/{healthy}/status", new { status = "disabled" });

        for (var i = 1; i <= 3; i++)
        {
            using var report = await _client.PostAsJsonAsync($"/api/proxies/{failing}/report", new { success = false, latency_ms = 5000 });
            var body = await report.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("cooldown_started").GetBoolean().ShouldBe(i == 3, body.ToString());
        }

        using var none = await _client.PostAsync("/api/proxies/next", null);
        var reasons = await ShouldBeErrorAsync(none, HttpStatusCode.ServiceUnavailable, "no_proxy_available");
        reasons.GetProperty("cooling_down").GetInt32().ShouldBe(1);
        reasons.GetProperty("disabled").GetInt32().ShouldBe(1);
        int.Parse(none.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(55, 60, "the first cooldown is a minute");

        await _client.PatchAsJsonAsync($"/api/proxies/{healthy}/status", new { status = "active" });
        for (var i = 0; i < 20; i++)
        {
            using var next = await _client.PostAsync("/api/proxies/next", null);
            var ticket = await next.Content.ReadFromJsonAsync<JsonElement>();
            ticket.GetProperty("proxy").GetProperty("id").GetInt64().ShouldBe(healthy, "the cooling proxy is skipped");
            using var _ = await _client.PostAsJsonAsync($"/api/proxies/{healthy}/report", new { success = true, latency_ms = 50, ticket = ticket.GetProperty("ticket").GetString() });
        }

        var metrics = await _client.GetFromJsonAsync<JsonElement>("/api/proxies/metrics");
        metrics.GetProperty("proxies").GetProperty("cooling_down").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Sessions_DisableDeleteAndRebind_FollowTheCap()
    {
        var id = await CreateAsync("10.0.0.1", "cookie-a");
        var sessionId = (await _client.GetFromJsonAsync<JsonElement>($"/api/proxies/{id}")).GetProperty("sessions")[0].GetProperty("id").GetInt64();

        using var disabled = await _client.PatchAsJsonAsync($"/api/proxies/{id}/sessions/{sessionId}/status", new { status = "disabled" });
        (await disabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("disabled");
        using var refused = await _client.PostAsJsonAsync("/api/proxies/next", new { session = "cookie-a" });
        await ShouldBeErrorAsync(refused, HttpStatusCode.Conflict, "session_disabled");

        using (var more = await _client.PostAsJsonAsync($"/api/proxies/{id}/sessions", new { session = "cookie-b" }))
        {
            more.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using (var third = await _client.PostAsJsonAsync($"/api/proxies/{id}/sessions", new { session = "cookie-c" }))
        {
            third.StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var full = await _client.PostAsJsonAsync($"/api/proxies/{id}/sessions", new { session = "cookie-d" });
        (await ShouldBeErrorAsync(full, HttpStatusCode.Conflict, "session_limit")).GetProperty("max_sessions").GetInt32().ShouldBe(3);

        using var deleted = await _client.DeleteAsync($"/api/proxies/{id}/sessions/{sessionId}");
        deleted.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        using var gone = await _client.DeleteAsync($"/api/proxies/{id}/sessions/{sessionId}");
        await ShouldBeErrorAsync(gone, HttpStatusCode.NotFound, "not_found");
        using var freed = await _client.PostAsJsonAsync($"/api/proxies/{id}/sessions", new { session = "cookie-d" });
        freed.StatusCode.ShouldBe(HttpStatusCode.Created, "deleting a session frees its place under the cap");

        using var rebound = await _client.PostAsJsonAsync("/api/proxies/next", new { session = "cookie-a" });
        var ticket = await rebound.Content.ReadFromJsonAsync<JsonElement>();
        rebound.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, ticket.ToString());
        ticket.GetProperty("details").GetProperty("session_limit").GetInt32().ShouldBe(1, "an unbound cookie is new again, and the only proxy is full");
    }

    [Fact]
    public async Task Failure_OfTheDatabase_IsDatabaseErrorInTheSeedsShape()
    {
        await CreateAsync("10.0.0.1", "cookie-a");
        var database = (ProxyKit.Storage.ProxyKitDatabase)_factory.Services.GetService(typeof(ProxyKit.Storage.ProxyKitDatabase))!;
        await using (var connection = await database.OpenConnectionAsync())
        {
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE pool_proxy_sessions";
            await drop.ExecuteNonQueryAsync();
        }

        using var response = await _client.GetAsync("/api/proxies");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError, body.ToString());
        body.GetProperty("error").GetString().ShouldBe("database_error");
        body.GetProperty("message").GetString()!.ShouldNotContain("pool_proxy_sessions", Case.Insensitive, "internals are logged, not echoed");
        body.GetProperty("details").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    private async Task<long> CreateAsync(string ip, string session)
    {
        using var created = await _client.PostAsJsonAsync("/api/proxies", new { ip, port = 8080, session });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    /// <summary>Asserts the seed's error body and returns its details.</summary>
    internal static async Task<JsonElement> ShouldBeErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(status, body.ToString());
        body.GetProperty("error").GetString().ShouldBe(code);
        body.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
        body.GetProperty("details").ValueKind.ShouldBe(JsonValueKind.Object);
        return body.GetProperty("details");
    }

    internal static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the condition did not hold within 10 s");
            await Task.Delay(50);
        }
    }
}
