using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace ProxyKit.Server.Tests.ProxyInstances;

public sealed class ProxyInstanceEndpointsTests : IAsyncLifetime
{
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ServerFactory()
            .With("ProxyKit:Instances:Assigner", "None")
            .With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:99::/64");
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task CreateProxy_Socks5_SeedShapeWithAListeningLoopbackEndpoint()
    {
        var body = await PostAsync("/api/create_proxy", new { type = "socks5", @interface = "eth0" }, HttpStatusCode.OK);

        body.GetProperty("instance_id").GetString().ShouldNotBeNullOrEmpty();
        body.GetProperty("type").GetString().ShouldBe("socks5");
        body.GetProperty("interface").GetString().ShouldBe("eth0");
        IPNetwork.Parse("2001:db8:99::/64").Contains(IPAddress.Parse(body.GetProperty("ipv6_address").GetString()!)).ShouldBeTrue();
        body.GetProperty("created_at").GetDouble().ShouldBeGreaterThan(1_700_000_000);
        body.TryGetProperty("endpoints", out _).ShouldBeFalse();
        var endpoint = IPEndPoint.Parse(body.GetProperty("proxy_endpoint").GetString()!);
        endpoint.Address.ShouldBe(IPAddress.Loopback);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint);
    }

    [Fact]
    public async Task CreateProxy_Both_TwoEndpoints()
    {
        var body = await PostAsync("/api/create_proxy", new { type = "both", @interface = "eth0" }, HttpStatusCode.OK);

        var endpoints = body.GetProperty("endpoints");
        endpoints.GetProperty("http").GetString().ShouldStartWith("127.0.0.1:");
        endpoints.GetProperty("socks5").GetString().ShouldStartWith("127.0.0.1:");
        body.TryGetProperty("proxy_endpoint", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"type":"socks5"}""", "Interface name is required")]
    [InlineData("""{"type":"socks4","interface":"eth0"}""", "type must be")]
    [InlineData("""{"type":"http","interface":"wlan7"}""", "Interface 'wlan7' has no global IPv6 prefix")]
    public async Task CreateProxy_BadRequest_400WithErrorMessage(string json, string message)
    {
        using var response = await _client.PostAsync("/api/create_proxy", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldContain(message);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"type": 5, "interface": "eth0"}""")]
    public async Task CreateProxy_MalformedBody_400InTheErrorShape(string json)
    {
        using var response = await _client.PostAsync("/api/create_proxy", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldStartWith("Invalid request");
    }

    [Fact]
    public async Task ListGetDelete_RoundTrip()
    {
        var created = await PostAsync("/api/create_proxy", new { type = "http", @interface = "eth0" }, HttpStatusCode.OK);
        var id = created.GetProperty("instance_id").GetString()!;

        var list = await _client.GetFromJsonAsync<JsonElement>("/api/list_proxies");
        var detail = await _client.GetFromJsonAsync<JsonElement>($"/api/proxy/{id}");
        using var deleted = await _client.DeleteAsync($"/api/proxy/{id}");
        using var again = await _client.DeleteAsync($"/api/proxy/{id}");
        using var missing = await _client.GetAsync($"/api/proxy/{id}");

        list.GetProperty("proxies").EnumerateArray().Select(p => p.GetProperty("instance_id").GetString()).ShouldContain(id);
        detail.GetProperty("stats").GetProperty("connections").GetInt64().ShouldBe(0);
        detail.GetProperty("stats").TryGetProperty("bytes_sent", out _).ShouldBeTrue();
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldContain(id);
    }

    [Fact]
    public async Task BulkDelete_IdsThenAll_DeletedCounts()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await PostAsync("/api/create_proxy", new { type = "socks5", @interface = "eth0" }, HttpStatusCode.OK)).GetProperty("instance_id").GetString()!);
        }

        var some = await PostAsync("/api/proxy/bulk_delete", new { instance_ids = new[] { ids[0], ids[1], "nope" } }, HttpStatusCode.OK);
        var all = await PostAsync("/api/proxy/bulk_delete", new { delete_all = true }, HttpStatusCode.OK);
        var neither = await PostAsync("/api/proxy/bulk_delete", new { }, HttpStatusCode.BadRequest);

        some.GetProperty("deleted_count").GetInt32().ShouldBe(2);
        all.GetProperty("deleted_count").GetInt32().ShouldBe(1);
        neither.GetProperty("error").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task CreateTempAndCleanup_ExpiresAtAndRemovalAfterTtl()
    {
        var temp = await PostAsync("/api/proxy/create_temp", new { type = "socks5", ttl = 1 }, HttpStatusCode.OK);
        var permanent = await PostAsync("/api/create_proxy", new { type = "socks5", @interface = "eth0" }, HttpStatusCode.OK);
        (temp.GetProperty("expires_at").GetDouble() - temp.GetProperty("created_at").GetDouble()).ShouldBe(1, 0.01);
        permanent.TryGetProperty("expires_at", out _).ShouldBeFalse();

        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        var cleaned = await PostAsync("/api/cleanup", new { }, HttpStatusCode.OK);
        var stats = await _client.GetFromJsonAsync<JsonElement>("/api/stats");

        cleaned.GetProperty("cleaned_instances").GetInt32().ShouldBe(1);
        stats.GetProperty("total_proxies").GetInt32().ShouldBe(1);
        stats.GetProperty("interfaces").EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("eth0");
    }

    private async Task<JsonElement> PostAsync(string path, object body, HttpStatusCode expected)
    {
        using var response = await _client.PostAsJsonAsync(path, body);
        response.StatusCode.ShouldBe(expected, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
