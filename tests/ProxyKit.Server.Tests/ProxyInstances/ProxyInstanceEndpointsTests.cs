using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Relay.Addressing;
using ProxyKit.Testing;

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
    [InlineData(AddressAssignmentError.AccessDenied, 500)]
    [InlineData(AddressAssignmentError.DuplicateAddress, 500)]
    [InlineData(AddressAssignmentError.DadTimeout, 500)]
    [InlineData(AddressAssignmentError.PrefixNotRouted, 500)]
    [InlineData(AddressAssignmentError.Failed, 500)]
    [InlineData(AddressAssignmentError.InterfaceNotFound, 400)]
    public async Task CreateProxy_AssignmentFails_SeedStatusAndAnActionableMessage_NothingLeftBehind(AddressAssignmentError error, int status)
    {
        await using var factory = new ServerFactory()
            .With("ProxyKit:Instances:Assigner", "None")
            .With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:99::/64")
            .WithServices(services => services.Replace(ServiceDescriptor.Singleton<IAddressAssigner>(new RefusingAssigner(error))));
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/create_proxy", new { type = "socks5", @interface = "eth0" });

        ((int)response.StatusCode).ShouldBe(status);
        var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        message.ShouldStartWith("Failed to assign IPv6 2001:db8:99:");
        message.ShouldContain($"because {error}");
        (await client.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("total_proxies").GetInt32().ShouldBe(0);
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
    public async Task CreateProxy_CredentialsAndLimits_EchoedWithoutThePasswordAndEnforced()
    {
        var body = await PostAsync("/api/create_proxy", new
        {
            type = "http",
            @interface = "eth0",
            username = "alice",
            password = "correct-horse",
            max_connections = 5,
            bandwidth_bytes_per_second = 65536,
        }, HttpStatusCode.OK);
        var listed = await _client.GetStringAsync("/api/list_proxies");

        body.GetProperty("username").GetString().ShouldBe("alice");
        body.GetProperty("max_connections").GetInt32().ShouldBe(5);
        body.GetProperty("bandwidth_bytes_per_second").GetInt64().ShouldBe(65536);
        body.GetRawText().ShouldNotContain("correct-horse");
        listed.ShouldNotContain("correct-horse");
        var endpoint = IPEndPoint.Parse(body.GetProperty("proxy_endpoint").GetString()!);
        (await ProxyStatusAsync(endpoint, null)).ShouldBe(407);
        (await ProxyStatusAsync(endpoint, "alice:wrong")).ShouldBe(407);
        (await ProxyStatusAsync(endpoint, "alice:correct-horse")).ShouldNotBe(407);
    }

    [Fact]
    public async Task Doctor_ReportsEachCheckAndTheWorstStatus()
    {
        var doctor = await _client.GetFromJsonAsync<JsonElement>("/api/doctor");

        var checks = doctor.GetProperty("checks").EnumerateArray().ToList();
        checks.ShouldContain(c => c.GetProperty("name").GetString() == "assigner" && c.GetProperty("detail").GetString()!.Contains("'none'"));
        var eth0 = checks.Single(c => c.GetProperty("name").GetString() == "interface:eth0");
        eth0.GetProperty("status").GetString().ShouldBeOneOf("ok", "fail");
        var worst = checks.Select(c => c.GetProperty("status").GetString()).OrderBy(s => s switch { "ok" => 0, "warn" => 1, _ => 2 }).Last();
        doctor.GetProperty("status").GetString().ShouldBe(worst);
    }

    [Fact]
    public async Task Logs_CreatedAndEachFinishedConnection_InTheErrorShapeWhenUnknown()
    {
        var created = await PostAsync("/api/create_proxy", new { type = "http", @interface = "eth0", username = "u", password = "p" }, HttpStatusCode.OK);
        var id = created.GetProperty("instance_id").GetString()!;
        (await ProxyStatusAsync(IPEndPoint.Parse(created.GetProperty("proxy_endpoint").GetString()!), null)).ShouldBe(407);

        JsonElement entries = default;
        for (var i = 0; i < 100 && entries.ValueKind != JsonValueKind.Array || entries.GetArrayLength() < 2; i++)
        {
            await Task.Delay(20);
            entries = (await _client.GetFromJsonAsync<JsonElement>($"/api/proxy/{id}/logs")).GetProperty("entries");
        }

        using var missing = await _client.GetAsync("/api/proxy/nope/logs");

        entries[0].GetProperty("event").GetString().ShouldBe("created");
        var connection = entries[1];
        connection.GetProperty("event").GetString().ShouldBe("connection");
        connection.GetProperty("outcome").GetString().ShouldBe("authentication_failed");
        connection.GetProperty("target").ValueKind.ShouldBe(JsonValueKind.Null, "a client that did not authenticate named no target");
        connection.GetProperty("client").GetString()!.ShouldStartWith("127.0.0.1:");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldContain("nope");
    }

    [Theory]
    [InlineData("""{"type":"http","interface":"eth0","username":"alice"}""", "both username and password")]
    [InlineData("""{"type":"http","interface":"eth0","username":"a:b","password":"p"}""", "may not contain ':'")]
    [InlineData("""{"type":"http","interface":"eth0","max_connections":0}""", "max_connections must be between")]
    [InlineData("""{"type":"http","interface":"eth0","bandwidth_bytes_per_second":10}""", "bandwidth_bytes_per_second must be at least 1024")]
    public async Task CreateProxy_BadCredentialsOrLimits_400AndNothingCreated(string json, string message)
    {
        using var response = await _client.PostAsync("/api/create_proxy", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldContain(message);
        (await _client.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("total_proxies").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task CreateTempAndCleanup_ExpiresAtAndRemovalOnceTheClockPassesTtl()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Factory(clock).With("ProxyKit:Instances:ReapInterval", "00:03:00"); // the reaper stays out of the way
        using var client = factory.CreateClient();
        var temp = await PostAsync(client, "/api/proxy/create_temp", new { type = "socks5", ttl = 60 }, HttpStatusCode.OK);
        var permanent = await PostAsync(client, "/api/create_proxy", new { type = "socks5", @interface = "eth0" }, HttpStatusCode.OK);
        (temp.GetProperty("expires_at").GetDouble() - temp.GetProperty("created_at").GetDouble()).ShouldBe(60, 0.01);
        permanent.TryGetProperty("expires_at", out _).ShouldBeFalse();

        clock.Advance(TimeSpan.FromSeconds(59));
        var early = await PostAsync(client, "/api/cleanup", new { }, HttpStatusCode.OK);
        clock.Advance(TimeSpan.FromSeconds(2));
        var due = await PostAsync(client, "/api/cleanup", new { }, HttpStatusCode.OK);
        var stats = await client.GetFromJsonAsync<JsonElement>("/api/stats");

        early.GetProperty("cleaned_instances").GetInt32().ShouldBe(0);
        due.GetProperty("cleaned_instances").GetInt32().ShouldBe(1);
        stats.GetProperty("total_proxies").GetInt32().ShouldBe(1);
        var eth0 = stats.GetProperty("interfaces").EnumerateArray().Single();
        eth0.GetProperty("name").GetString().ShouldBe("eth0");
        eth0.GetProperty("proxies").GetInt32().ShouldBe(1);
        eth0.GetProperty("addresses_issued").GetString().ShouldBe("2");
        eth0.GetProperty("addresses_released").GetInt64().ShouldBe(1);
        UInt128.Parse(eth0.GetProperty("addresses_remaining").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan((UInt128)1 << 62, "a /64 has about 2^63 usable interface ids");
        using var gone = await client.GetAsync($"/api/proxy/{temp.GetProperty("instance_id").GetString()}");
        gone.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task CreateTemp_TheBackgroundReaperRemovesItWithoutACleanupCall()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = Factory(clock);
        using var client = factory.CreateClient();
        var temp = await PostAsync(client, "/api/proxy/create_temp", new { type = "http", ttl = 45 }, HttpStatusCode.OK);
        var endpoint = IPEndPoint.Parse(temp.GetProperty("proxy_endpoint").GetString()!);

        clock.Advance(TimeSpan.FromSeconds(30)); // first reap tick: not yet due
        (await client.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("total_proxies").GetInt32().ShouldBe(1);
        clock.Advance(TimeSpan.FromSeconds(30)); // second tick, 15 s past the TTL

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await client.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("total_proxies").GetInt32() != 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the reaper should have removed the expired instance");
            await Task.Delay(20);
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        (await Should.ThrowAsync<SocketException>(async () => await socket.ConnectAsync(endpoint))).SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
    }

    [Fact]
    public async Task Restart_EveryInstanceComesBackWithItsAddressPortsAndCredentials()
    {
        var folder = Directory.CreateTempSubdirectory("proxykit-restart-");
        try
        {
            var database = $"Data Source={Path.Combine(folder.FullName, "shared.db")}";
            JsonElement both, temp;
            await using (var first = new ServerFactory().With("ProxyKit:Sqlite:ConnectionString", database)
                .With("ProxyKit:Instances:Assigner", "None").With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:99::/64"))
            {
                using var client = first.CreateClient();
                both = await PostAsync(client, "/api/create_proxy", new { type = "both", @interface = "eth0", username = "bob", password = "hunter2-long" }, HttpStatusCode.OK);
                temp = await PostAsync(client, "/api/proxy/create_temp", new { type = "socks5", ttl = 3600 }, HttpStatusCode.OK);
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            await using var second = new ServerFactory().With("ProxyKit:Sqlite:ConnectionString", database)
                .With("ProxyKit:Instances:Assigner", "None").With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:99::/64");
            using var client2 = second.CreateClient();
            var list = (await client2.GetFromJsonAsync<JsonElement>("/api/list_proxies")).GetProperty("proxies").EnumerateArray().ToList();

            list.Select(p => p.GetProperty("instance_id").GetString()).ShouldBe(
                [both.GetProperty("instance_id").GetString(), temp.GetProperty("instance_id").GetString()], ignoreOrder: true);
            var restored = list.Single(p => p.GetProperty("instance_id").GetString() == both.GetProperty("instance_id").GetString());
            restored.GetProperty("ipv6_address").GetString().ShouldBe(both.GetProperty("ipv6_address").GetString());
            restored.GetProperty("endpoints").GetRawText().ShouldBe(both.GetProperty("endpoints").GetRawText(), "the same ports, being free");
            restored.GetProperty("username").GetString().ShouldBe("bob");
            var restoredTemp = list.Single(p => p.GetProperty("instance_id").GetString() == temp.GetProperty("instance_id").GetString());
            restoredTemp.GetProperty("expires_at").GetDouble().ShouldBe(temp.GetProperty("expires_at").GetDouble(), 0.01);
            var http = IPEndPoint.Parse(restored.GetProperty("endpoints").GetProperty("http").GetString()!);
            (await ProxyStatusAsync(http, null)).ShouldBe(407);
            (await ProxyStatusAsync(http, "bob:hunter2-long")).ShouldNotBe(407);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static ServerFactory Factory(ManualTimeProvider clock) => new ServerFactory()
        .With("ProxyKit:Instances:Assigner", "None")
        .With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:99::/64")
        .WithServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));

    // The status line of a plain HTTP request through the proxy to loopback, which the destination policy refuses
    // without sending a packet: 407 before authentication, the policy's answer after it.
    private static async Task<int> ProxyStatusAsync(IPEndPoint proxy, string? userPass)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        var auth = userPass is null ? "" : $"Proxy-Authorization: Basic {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(userPass))}\r\n";
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET http://[::1]:9/ HTTP/1.1\r\nHost: [::1]:9\r\n{auth}Connection: close\r\n\r\n"));
        var buffer = new byte[256];
        var read = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(15));
        var line = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        line.ShouldStartWith("HTTP/1.1 ");
        return int.Parse(line.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task<JsonElement> PostAsync(string path, object body, HttpStatusCode expected) => PostAsync(_client, path, body, expected);

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body, HttpStatusCode expected)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        response.StatusCode.ShouldBe(expected, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private sealed class RefusingAssigner(AddressAssignmentError error) : IAddressAssigner
    {
        public string Name => "none";

        public ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AddressAssignmentResult(error, $"because {error}"));

        public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(AddressAssignmentResult.Success);

        public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(AddressAssignmentResult.Success);
    }
}
