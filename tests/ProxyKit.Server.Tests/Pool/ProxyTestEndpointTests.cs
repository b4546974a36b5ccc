using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Storage;

namespace ProxyKit.Server.Tests.Pool;

public sealed class ProxyTestEndpointTests : IAsyncLifetime
{
    private ListServer _target = null!;
    private RelayListener _relay = null!;

    public async Task InitializeAsync()
    {
        _target = await ListServer.StartAsync();
        var options = new RelayListenerOptions { ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0) };
        options.Egress.Policy = EgressAddressPolicy.DualStack;
        options.Destinations.AllowedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
        _relay = RelayListener.Create(options);
        _relay.Start();
    }

    public async Task DisposeAsync()
    {
        await _relay.DisposeAsync();
        await _target.DisposeAsync();
    }

    [Fact]
    public async Task Test_ThroughAWorkingAndARefusingProxy_ReportsEachAndTheSuccessRate()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Pool:Fetch:AllowPrivateAddresses", "true");
        using var client = await ClientAsync(factory);
        var refusing = UnusedPort();
        await AddActiveProxyAsync(factory, "127.0.0.1", _relay.LocalEndPoint.Port, score: 0.9);
        await AddActiveProxyAsync(factory, "127.0.0.1", refusing, score: 0.5);

        using var response = await client.PostAsJsonAsync("/proxies/test", new { url = new Uri(_target.BaseAddress, "/list.json").ToString(), count = 5, timeout_seconds = 5 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.GetRawText());
        body.GetProperty("success_rate").GetDouble().ShouldBe(0.5);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        results.Count.ShouldBe(2);
        results[0].GetProperty("port").GetInt32().ShouldBe(_relay.LocalEndPoint.Port, "best score first");
        results[0].GetProperty("reachable").GetBoolean().ShouldBeTrue();
        results[0].GetProperty("status_code").GetInt32().ShouldBe(200);
        results[0].GetProperty("latency_ms").GetInt64().ShouldBeGreaterThanOrEqualTo(0);
        results[0].GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        results[1].GetProperty("reachable").GetBoolean().ShouldBeFalse();
        results[1].GetProperty("status_code").ValueKind.ShouldBe(JsonValueKind.Null);
        results[1].GetProperty("error").GetString().ShouldBe("Connection refused");
        Guid.TryParse(results[1].GetProperty("proxy_id").GetString(), out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("""{"url":"http://127.0.0.1:9/"}""", "url")]
    [InlineData("""{"url":"http://localhost:9/"}""", "url")]
    [InlineData("""{"url":"http://[::1]:9/"}""", "url")]
    [InlineData("""{"url":"ftp://example.com/"}""", "url")]
    [InlineData("""{"url":"https://example.com/","count":0}""", "count")]
    [InlineData("""{"url":"https://example.com/","count":51}""", "count")]
    [InlineData("""{"url":"https://example.com/","timeout_seconds":0}""", "timeout_seconds")]
    [InlineData("""{"url":"https://example.com/","protocol":"gopher"}""", "protocol")]
    public async Task Test_BadOrInternalTarget_Is400AndNothingIsFetched(string json, string field)
    {
        await using var factory = new ServerFactory();
        using var client = await ClientAsync(factory);
        await AddActiveProxyAsync(factory, "127.0.0.1", _relay.LocalEndPoint.Port, score: 0.9);
        var before = _relay.GetStats().ConnectionsAccepted;

        using var response = await client.PostAsync("/proxies/test", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.GetProperty("code").GetString().ShouldBe("INVALID_REQUEST");
        error.GetProperty("details").GetProperty("field").GetString().ShouldBe(field);
        _relay.GetStats().ConnectionsAccepted.ShouldBe(before, "no connection went through the pool");
    }

    private static async Task<HttpClient> ClientAsync(ServerFactory factory)
    {
        var client = factory.CreateClient();
        using var registered = await client.PostAsJsonAsync("/auth/register", new { email = $"probe{Guid.NewGuid():N}@example.com", display_name = "Probe" });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetProperty("key").GetString());
        return client;
    }

    private static async Task AddActiveProxyAsync(ServerFactory factory, string ip, int port, double score)
    {
        var database = factory.Services.GetRequiredService<ProxyKitDatabase>();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var insert = connection.CreateCommand(
                "INSERT INTO pool_proxies (id, protocol, ip, port, credentials_key, status, score, avg_latency_ms, uptime_pct, last_checked_at, first_seen_at, sort_changed_at, tags) " +
                "VALUES (@id, 'http', @ip, @port, '', 'active', @score, 100, 99, @now, @now, @now, '{}')", null)
                .With("id", Guid.CreateVersion7().ToString("D")).With("ip", ip).With("port", port).With("score", score).With("now", DateTimeOffset.UtcNow);
            await insert.ExecuteNonQueryAsync();
        }
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
