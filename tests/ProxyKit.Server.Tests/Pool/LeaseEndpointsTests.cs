using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Storage;

namespace ProxyKit.Server.Tests.Pool;

/// <summary><c>POST /proxies/acquire</c> and its release over HTTP, paid from credits an administrator granted.</summary>
public sealed class LeaseEndpointsTests : IAsyncLifetime
{
    private const string AdminKey = "admin-key-0123456789-0123456789-0123456789";
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;
    private ListServer _lists = null!;

    public async Task InitializeAsync()
    {
        _lists = await ListServer.StartAsync();

        // No background workers: proxy states are set by the test, and nothing else may change them.
        _factory = new ServerFactory()
            .With("ProxyKit:Pool:Fetch:AllowPrivateAddresses", "true")
            .With("ProxyKit:Accounts:AdminApiKey", AdminKey)
            .With("ProxyKit:Accounts:RegistrationsPerHourPerIp", "50")
            .With("ProxyKit:Server:RunWorkers", "false");
        _client = _factory.CreateClient();
        var (_, key) = await RegisterAsync("owner@example.com");
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        using var created = await _client.PostAsJsonAsync("/sources", new { url = new Uri(_lists.BaseAddress, "/list.txt").ToString() });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var sourceId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using var scraped = await _client.PostAsync($"/sources/{sourceId}/scrape", null);
        scraped.StatusCode.ShouldBe(HttpStatusCode.OK, await scraped.Content.ReadAsStringAsync());

        // Two US elite HTTP proxies (0.9 and 0.8) and the list's SOCKS5 proxy with credentials (DE); the rest stay unchecked.
        await ActivateAsync("10.1.0.1", "http", "US", "elite", 0.9);
        await ActivateAsync("10.1.0.2", "http", "US", "elite", 0.8);
        await ActivateAsync("10.2.0.1", "socks5", "DE", "anonymous", 0.7);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _lists.DisposeAsync();
    }

    [Fact]
    public async Task Acquire_200_ExactlyTheSeedsShape_ThenListedReleasedAndFreeAgain()
    {
        await GrantAsync(_client, 5);

        using var response = await _client.PostAsJsonAsync("/proxies/acquire",
            new { protocol = "http", country = "US", anonymity = "elite", min_score = 0.7, lease_duration_seconds = 300 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        Names(body).ShouldBe(["credits_remaining", "expires_at", "lease_id", "proxy"]);
        Names(body.GetProperty("proxy")).ShouldBe(["anonymity", "country", "ip", "port", "protocol"]);
        var leaseId = body.GetProperty("lease_id").GetGuid();
        body.GetProperty("proxy").GetProperty("ip").GetString().ShouldBe("10.1.0.1");
        body.GetProperty("proxy").GetProperty("port").GetInt32().ShouldBe(8080);
        body.GetProperty("proxy").GetProperty("protocol").GetString().ShouldBe("http");
        body.GetProperty("proxy").GetProperty("country").GetString().ShouldBe("US");
        body.GetProperty("proxy").GetProperty("anonymity").GetString().ShouldBe("elite");
        body.GetProperty("expires_at").GetDateTimeOffset().ShouldBe(DateTimeOffset.UtcNow.AddSeconds(300), TimeSpan.FromSeconds(30));
        body.GetProperty("credits_remaining").GetInt64().ShouldBe(4);

        var leases = await GetJsonAsync(_client, "/account/leases");
        leases.GetProperty("total_count").GetInt32().ShouldBe(1);
        leases.GetProperty("items")[0].GetProperty("lease_id").GetGuid().ShouldBe(leaseId);
        leases.GetProperty("items")[0].GetProperty("proxy").GetProperty("ip").GetString().ShouldBe("10.1.0.1");

        using var second = await _client.PostAsJsonAsync("/proxies/acquire", new { protocol = "http", country = "US" });
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxy").GetProperty("ip").GetString().ShouldBe("10.1.0.2");

        using var released = await _client.PostAsync($"/proxies/acquire/{leaseId}/release", null);
        var release = await released.Content.ReadFromJsonAsync<JsonElement>();
        released.StatusCode.ShouldBe(HttpStatusCode.OK, release.ToString());
        Names(release).ShouldBe(["lease_id", "released_at", "status"]);
        release.GetProperty("lease_id").GetGuid().ShouldBe(leaseId);
        release.GetProperty("status").GetString().ShouldBe("released");
        using (var again = await _client.PostAsync($"/proxies/acquire/{leaseId}/release", null))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("released_at").GetDateTimeOffset()
                .ShouldBe(release.GetProperty("released_at").GetDateTimeOffset());
        }

        (await GetJsonAsync(_client, "/account/leases")).GetProperty("total_count").GetInt32().ShouldBe(1);
        var reacquired = await AcquireAsync(_client, new { country = "US" }, HttpStatusCode.OK);
        reacquired.GetProperty("proxy").GetProperty("ip").GetString().ShouldBe("10.1.0.1");
        reacquired.GetProperty("credits_remaining").GetInt64().ShouldBe(2, "a release refunds nothing");
        (await GetJsonAsync(_client, "/account/credits")).GetProperty("balance").GetInt64().ShouldBe(2);
    }

    [Fact]
    public async Task Acquire_WithoutCredits_402InTheSeedsShape()
    {
        var error = (await AcquireAsync(_client, new { }, HttpStatusCode.PaymentRequired)).GetProperty("error");

        error.GetProperty("code").GetString().ShouldBe("INSUFFICIENT_CREDITS");
        error.GetProperty("message").GetString().ShouldBe("You need at least 1 credit to acquire a proxy. Current balance: 0.");
        error.GetProperty("details").ValueKind.ShouldBe(JsonValueKind.Object);
        (await GetJsonAsync(_client, "/account/leases")).GetProperty("total_count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Acquire_NoMatch404_AllLeased409_BadInput400()
    {
        await GrantAsync(_client, 5);

        (await AcquireAsync(_client, new { country = "JP" }, HttpStatusCode.NotFound)).GetProperty("error").GetProperty("code").GetString().ShouldBe("NO_MATCHING_PROXY");
        (await AcquireAsync(_client, new { min_score = 0.95 }, HttpStatusCode.NotFound)).GetProperty("error").GetProperty("code").GetString().ShouldBe("NO_MATCHING_PROXY");
        await AcquireAsync(_client, new { country = "US" }, HttpStatusCode.OK);
        await AcquireAsync(_client, new { country = "US" }, HttpStatusCode.OK);
        (await AcquireAsync(_client, new { country = "US" }, HttpStatusCode.Conflict)).GetProperty("error").GetProperty("code").GetString().ShouldBe("ALL_LEASED");
        foreach (var bad in new object[] { new { lease_duration_seconds = 0 }, new { lease_duration_seconds = 3601 }, new { protocol = "ftp" } })
        {
            (await AcquireAsync(_client, bad, HttpStatusCode.BadRequest)).GetProperty("error").GetProperty("code").GetString().ShouldBe("INVALID_REQUEST");
        }

        (await GetJsonAsync(_client, "/account/credits")).GetProperty("balance").GetInt64().ShouldBe(3);
    }

    [Fact]
    public async Task Acquire_ProxyWithCredentials_ReturnsUsernameAndPassword()
    {
        await GrantAsync(_client, 1);

        var body = await AcquireAsync(_client, new { protocol = "socks5" }, HttpStatusCode.OK);

        var proxy = body.GetProperty("proxy");
        Names(proxy).ShouldBe(["anonymity", "country", "ip", "password", "port", "protocol", "username"]);
        proxy.GetProperty("ip").GetString().ShouldBe("10.2.0.1");
        proxy.GetProperty("username").GetString().ShouldBe("user");
        proxy.GetProperty("password").GetString().ShouldBe("s3cret");
    }

    [Fact]
    public async Task Release_AnotherUsersOrUnknownLease_404()
    {
        await GrantAsync(_client, 1);
        var leaseId = (await AcquireAsync(_client, new { }, HttpStatusCode.OK)).GetProperty("lease_id").GetGuid();
        var (_, otherKey) = await RegisterAsync("other@example.com");
        using var other = _factory.CreateClient();
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", otherKey);

        foreach (var path in new[] { $"/proxies/acquire/{leaseId}/release", $"/proxies/acquire/{Guid.NewGuid()}/release", "/proxies/acquire/not-a-lease/release" })
        {
            using var response = await other.PostAsync(path, null);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("NOT_FOUND");
        }

        (await GetJsonAsync(_client, "/account/leases")).GetProperty("total_count").GetInt32().ShouldBe(1);
        using var anonymous = _factory.CreateClient();
        (await anonymous.PostAsync("/proxies/acquire", JsonContent.Create(new { }))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Acquire_SameIdempotencyKey_SameLeaseChargedOnce()
    {
        await GrantAsync(_client, 5);

        var first = await AcquireAsync(_client, new { country = "US" }, HttpStatusCode.OK, "lease-key-1");
        var again = await AcquireAsync(_client, new { country = "US" }, HttpStatusCode.OK, "lease-key-1");

        again.GetProperty("lease_id").GetGuid().ShouldBe(first.GetProperty("lease_id").GetGuid());
        (await GetJsonAsync(_client, "/account/credits")).GetProperty("balance").GetInt64().ShouldBe(4);
        (await GetJsonAsync(_client, "/account/leases")).GetProperty("total_count").GetInt32().ShouldBe(1);
    }

    private static List<string> Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static async Task<JsonElement> AcquireAsync(HttpClient client, object body, HttpStatusCode expected, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/proxies/acquire") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<(Guid UserId, string Key)> RegisterAsync(string email)
    {
        using var anonymous = _factory.CreateClient();
        using var response = await anonymous.PostAsJsonAsync("/auth/register", new { email, display_name = email });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("user").GetProperty("id").GetGuid(), body.GetProperty("api_key").GetProperty("key").GetString()!);
    }

    private async Task GrantAsync(HttpClient client, int amount)
    {
        var account = await GetJsonAsync(client, "/account");
        var userId = account.GetProperty("id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/accounts/{userId}/grants") { Content = JsonContent.Create(new { amount }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var anonymous = _factory.CreateClient();
        using var response = await anonymous.SendAsync(request);
        response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());
    }

    private async Task ActivateAsync(string ip, string protocol, string country, string anonymity, double score)
    {
        var database = _factory.Services.GetRequiredService<ProxyKitDatabase>();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var update = connection.CreateCommand(
                "UPDATE pool_proxies SET status = 'active', country = @country, anonymity = @anonymity, score = @score WHERE ip = @ip AND protocol = @protocol", null)
                .With("ip", ip).With("protocol", protocol).With("country", country).With("anonymity", anonymity).With("score", score);
            (await update.ExecuteNonQueryAsync()).ShouldBe(1);
        }
    }
}
