using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.Server.Tests.WireGuard;

/// <summary>
/// Seed 004's <c>/vpn_api</c> over real HTTP (Kestrel on 127.0.0.1, SQLite, peers in memory): the shapes, the selection of
/// the server, exhaustion, release, status and its secrecy, the API key and how the client is identified.
/// </summary>
public sealed partial class VpnEndpointsTests
{
    private static readonly string[] AllocateFields =
        ["config", "internal_ip", "private_key", "public_key", "server_ip", "server_port", "server_pubkey", "success"];

    private static readonly string[] ConnectionFields = ["assigned_at", "assigned_to", "duration_seconds", "internal_ip", "server_ip"];

    [Fact]
    public async Task List_ReturnsTheServersInConfigurationOrder()
    {
        await using var host = VpnHost.Start([(VpnHost.Second, 5), (VpnHost.First, 5)]);

        var list = await host.GetAsync("/vpn_api/list");

        list.Status.ShouldBe(HttpStatusCode.OK, list.Text);
        Names(list.Json).ShouldBe(["servers", "success"], list.Text);
        list.Json.GetProperty("success").ValueKind.ShouldBe(JsonValueKind.True);
        var servers = list.Json.GetProperty("servers");
        servers.ValueKind.ShouldBe(JsonValueKind.Array);
        servers.EnumerateArray().ShouldAllBe(s => s.ValueKind == JsonValueKind.String);
        servers.EnumerateArray().Select(s => s.GetString()).ShouldBe([VpnHost.Second, VpnHost.First]);
    }

    [Fact]
    public async Task Allocate_ReturnsAWorkingKeyPairAndItsConfiguration()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 5)]);

        var response = await host.GetAsync("/vpn_api/allocate");

        response.Status.ShouldBe(HttpStatusCode.OK, response.Text);
        response.Headers.CacheControl.ShouldNotBeNull("an allocation carries a private key: it must say Cache-Control: no-store");
        response.Headers.CacheControl.NoStore.ShouldBeTrue(response.Headers.CacheControl.ToString());
        var json = response.Json;
        Names(json).ShouldBe(AllocateFields, response.Text);
        json.GetProperty("success").ValueKind.ShouldBe(JsonValueKind.True);
        foreach (var field in new[] { "server_ip", "server_pubkey", "private_key", "public_key", "internal_ip", "config" })
        {
            json.GetProperty(field).ValueKind.ShouldBe(JsonValueKind.String, field);
        }

        json.GetProperty("server_port").ValueKind.ShouldBe(JsonValueKind.Number);
        var port = json.GetProperty("server_port").GetInt32();
        port.ShouldBe(55555, "the seed's default port");
        var serverIp = json.GetProperty("server_ip").GetString()!;
        serverIp.ShouldBe(VpnHost.First);

        var privateText = json.GetProperty("private_key").GetString()!;
        var publicText = json.GetProperty("public_key").GetString()!;
        var serverPublicText = json.GetProperty("server_pubkey").GetString()!;
        Convert.FromBase64String(privateText).Length.ShouldBe(32, "private_key is 32 bytes of base64");
        Convert.FromBase64String(publicText).Length.ShouldBe(32, "public_key is 32 bytes of base64");
        Convert.FromBase64String(serverPublicText).Length.ShouldBe(32, "server_pubkey is 32 bytes of base64");
        WireGuardPrivateKey.Parse(privateText).PublicKey.ToBase64().ShouldBe(publicText, "public_key must be X25519(private_key)");
        serverPublicText.ShouldNotBe(publicText);

        var internalIp = IPAddress.Parse(json.GetProperty("internal_ip").GetString()!);
        internalIp.ToString().ShouldStartWith("10.8.0.", customMessage: "the default subnet is 10.8.0.0/24");
        internalIp.ToString().ShouldNotBe("10.8.0.1", "the server has the subnet's first address");

        var config = json.GetProperty("config").GetString()!;
        var lines = config.Split('\n').Select(l => l.Trim()).ToList();
        lines.ShouldContain("[Interface]");
        lines.ShouldContain("[Peer]");
        lines.ShouldContain($"PrivateKey = {privateText}");
        lines.ShouldContain($"Address = {internalIp}/24");
        lines.ShouldContain($"PublicKey = {serverPublicText}");
        lines.ShouldContain($"Endpoint = {serverIp}:{port}");
        lines.ShouldContain("PersistentKeepalive = 25");

        // Every allocation: the same server key, a fresh client key pair and address.
        var second = await host.AllocateAsync();
        second.GetProperty("server_pubkey").GetString().ShouldBe(serverPublicText);
        second.GetProperty("public_key").GetString().ShouldNotBe(publicText);
        second.GetProperty("private_key").GetString().ShouldNotBe(privateText);
        second.GetProperty("internal_ip").GetString().ShouldNotBe(internalIp.ToString());
    }

    [Theory]
    [InlineData("svg", "data:image/svg+xml;base64,")]
    [InlineData("png", "data:image/png;base64,")]
    public async Task Allocate_WithQr_AddsTheConfigurationAsADataUri(string qr, string prefix)
    {
        await using var host = VpnHost.Start([(VpnHost.First, 5)]);

        var response = await host.GetAsync($"/vpn_api/allocate?qr={qr}");

        response.Status.ShouldBe(HttpStatusCode.OK, response.Text);
        Names(response.Json).ShouldBe([.. AllocateFields.Append("config_qr").Order(StringComparer.Ordinal)], response.Text);
        response.Json.GetProperty("config_qr").ValueKind.ShouldBe(JsonValueKind.String);
        var uri = response.Json.GetProperty("config_qr").GetString()!;
        uri.ShouldStartWith(prefix);
        var payload = Convert.FromBase64String(uri[prefix.Length..]);
        if (qr == "png")
        {
            payload.Take(8).ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, "a PNG signature");
        }
        else
        {
            Encoding.UTF8.GetString(payload).ShouldContain("<svg");
        }
    }

    [Fact]
    public async Task Allocate_WithAnUnknownQrFormat_Is400AndAllocatesNothing()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 5)]);

        var response = await host.GetAsync("/vpn_api/allocate?qr=gif");

        response.ShouldBeFailure(HttpStatusCode.BadRequest);
        var status = await host.GetAsync("/vpn_api/status");
        status.Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32().ShouldBe(0, "a rejected request must not hold a key");
    }

    [Fact]
    public async Task Allocate_PicksTheServerWithTheMostFreeKeys_OrTheOneNamed()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 2), (VpnHost.Second, 3)]);

        (await host.AllocateAsync()).GetProperty("server_ip").GetString().ShouldBe(VpnHost.Second, "3 free beats 2 free");

        // Now 2 and 2 free: ties go to configuration order.
        (await host.AllocateAsync()).GetProperty("server_ip").GetString().ShouldBe(VpnHost.First, "a tie goes to the first configured server");

        // Named: the server at ip, even though the other has more free keys (1 vs 2).
        var named = await host.AllocateAsync($"?ip={VpnHost.First}");
        named.GetProperty("server_ip").GetString().ShouldBe(VpnHost.First);
        named.GetProperty("config").GetString()!.ShouldContain($"Endpoint = {VpnHost.First}:55555");

        var unknown = await host.GetAsync("/vpn_api/allocate?ip=192.0.2.99");
        unknown.ShouldBeFailure(HttpStatusCode.NotFound);

        // Only the second server has room now; the first, when named, is exhausted.
        (await host.AllocateAsync()).GetProperty("server_ip").GetString().ShouldBe(VpnHost.Second);
        (await host.GetAsync($"/vpn_api/allocate?ip={VpnHost.First}")).ShouldBeFailure(HttpStatusCode.ServiceUnavailable, "No available VPN keys");
    }

    [Fact]
    public async Task Allocate_WhenEveryKeyIsInUse_Is503WithRetryAfter()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 2)]);
        await host.AllocateAsync();
        await host.AllocateAsync();

        var third = await host.GetAsync("/vpn_api/allocate");

        third.ShouldBeFailure(HttpStatusCode.ServiceUnavailable, "No available VPN keys");
        third.Headers.RetryAfter.ShouldNotBeNull("a 503 says when to retry");
        (third.Headers.RetryAfter.Delta ?? TimeSpan.Zero).ShouldBeGreaterThan(TimeSpan.Zero, third.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Release_FreesTheKeyOnce()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 2)]);
        var first = await host.AllocateAsync();
        var second = await host.AllocateAsync();
        (await host.GetAsync("/vpn_api/allocate")).Status.ShouldBe(HttpStatusCode.ServiceUnavailable);

        var released = await host.ReleaseAsync(first.GetProperty("public_key").GetString()!);

        released.Status.ShouldBe(HttpStatusCode.OK, released.Text);
        Names(released.Json).ShouldBe(["message", "success"], released.Text);
        released.Json.GetProperty("success").ValueKind.ShouldBe(JsonValueKind.True);
        released.Json.GetProperty("message").GetString().ShouldBe("VPN key released successfully");

        var again = await host.ReleaseAsync(first.GetProperty("public_key").GetString()!);
        again.ShouldBeFailure(HttpStatusCode.NotFound, "Key not found or not in use");

        // A well-formed key nobody was given.
        var stranger = await host.ReleaseAsync(WireGuardPrivateKey.Parse(Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 1)).ToArray())).PublicKey.ToBase64());
        stranger.ShouldBeFailure(HttpStatusCode.NotFound, "Key not found or not in use");

        var status = await host.GetAsync("/vpn_api/status");
        status.Status.ShouldBe(HttpStatusCode.OK, status.Text);
        var connections = status.Json.GetProperty("active_connections").EnumerateArray().ToList();
        connections.Select(c => c.GetProperty("internal_ip").GetString())
            .ShouldBe([second.GetProperty("internal_ip").GetString()], "only the key still in use is listed");
        status.Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32().ShouldBe(1);

        // Its slot can be allocated again, with a fresh key pair.
        var replacement = await host.AllocateAsync();
        replacement.GetProperty("public_key").GetString().ShouldNotBe(first.GetProperty("public_key").GetString());
        replacement.GetProperty("internal_ip").GetString().ShouldBe(first.GetProperty("internal_ip").GetString(), "the only free address");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"public_key\": null}")]
    [InlineData("{\"public_key\": \"   \"}")]
    [InlineData("{\"other\": \"x\"}")]
    public async Task Release_WithoutPublicKey_Is400(string body)
    {
        await using var host = VpnHost.Start([(VpnHost.First, 2)]);

        var response = await host.SendAsync(HttpMethod.Post, "/vpn_api/release", jsonBody: body);

        response.ShouldBeFailure(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"public_key\": 42}")]
    [InlineData("[\"public_key\"]")]
    public async Task Release_MalformedBody_Is400WithTheSeedsShape(string body)
    {
        await using var host = VpnHost.Start([(VpnHost.First, 2)]);

        var response = await host.SendAsync(HttpMethod.Post, "/vpn_api/release", jsonBody: body);

        response.ShouldBeFailure(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Release_NotAKey_Is400()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 2)]);

        var response = await host.ReleaseAsync("not-a-key");

        response.ShouldBeFailure(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Status_CountsAddUp_ListsConnectionsWithoutKeys_AndFiltersByServer()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 3), (VpnHost.Second, 4)]);
        var before = DateTime.UtcNow.AddSeconds(-2);
        var allocations = new List<JsonElement>
        {
            await host.AllocateAsync($"?ip={VpnHost.First}"),
            await host.AllocateAsync($"?ip={VpnHost.Second}"),
            await host.AllocateAsync($"?ip={VpnHost.Second}"),
        };
        var released = await host.AllocateAsync($"?ip={VpnHost.First}");
        (await host.ReleaseAsync(released.GetProperty("public_key").GetString()!)).Status.ShouldBe(HttpStatusCode.OK);
        allocations.Add(released);

        var all = await host.GetAsync("/vpn_api/status");

        all.Status.ShouldBe(HttpStatusCode.OK, all.Text);
        Names(all.Json).ShouldBe(["active_connections", "statistics", "success"], all.Text);
        all.Json.GetProperty("success").ValueKind.ShouldBe(JsonValueKind.True);
        var statistics = all.Json.GetProperty("statistics");
        Names(statistics).ShouldBe(["keys_available", "keys_in_use", "total_keys"], all.Text);
        foreach (var field in new[] { "keys_available", "keys_in_use", "total_keys" })
        {
            statistics.GetProperty(field).ValueKind.ShouldBe(JsonValueKind.Number, field);
        }

        statistics.GetProperty("total_keys").GetInt32().ShouldBe(7);
        statistics.GetProperty("keys_in_use").GetInt32().ShouldBe(3);
        statistics.GetProperty("keys_available").GetInt32().ShouldBe(4);
        (statistics.GetProperty("keys_in_use").GetInt32() + statistics.GetProperty("keys_available").GetInt32())
            .ShouldBe(statistics.GetProperty("total_keys").GetInt32());

        var connections = all.Json.GetProperty("active_connections");
        connections.ValueKind.ShouldBe(JsonValueKind.Array);
        connections.GetArrayLength().ShouldBe(3);
        foreach (var connection in connections.EnumerateArray())
        {
            Names(connection).ShouldBe(ConnectionFields, connection.ToString());
            connection.GetProperty("internal_ip").ValueKind.ShouldBe(JsonValueKind.String);
            connection.GetProperty("assigned_to").ValueKind.ShouldBe(JsonValueKind.String);
            connection.GetProperty("assigned_at").ValueKind.ShouldBe(JsonValueKind.String);
            connection.GetProperty("duration_seconds").ValueKind.ShouldBe(JsonValueKind.Number);
            connection.GetProperty("server_ip").ValueKind.ShouldBe(JsonValueKind.String);
            connection.GetProperty("assigned_to").GetString().ShouldBe("127.0.0.1");
            var assignedAt = connection.GetProperty("assigned_at").GetString()!;
            SeedTimestamp().IsMatch(assignedAt).ShouldBeTrue($"assigned_at '{assignedAt}' must be yyyy-MM-dd HH:mm:ss");
            var at = DateTime.ParseExact(assignedAt, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            at.ShouldBeInRange(before, DateTime.UtcNow.AddSeconds(2), "assigned_at is the allocation's UTC time");
            connection.GetProperty("duration_seconds").TryGetInt64(out var duration).ShouldBeTrue("duration_seconds is a whole number");
            duration.ShouldBeInRange(0, 60);
        }

        connections.EnumerateArray().Select(c => (c.GetProperty("server_ip").GetString(), c.GetProperty("internal_ip").GetString()))
            .OrderBy(c => c.Item1, StringComparer.Ordinal).ThenBy(c => c.Item2, StringComparer.Ordinal)
            .ShouldBe(allocations.Take(3).Select(a => (a.GetProperty("server_ip").GetString(), a.GetProperty("internal_ip").GetString()))
                .OrderBy(c => c.Item1, StringComparer.Ordinal).ThenBy(c => c.Item2, StringComparer.Ordinal));

        // Anyone who can read status could release (or impersonate) a key it lists: no key ever appears in it.
        var second = await host.GetAsync($"/vpn_api/status?ip={VpnHost.Second}");
        foreach (var text in new[] { all.Text, second.Text })
        {
            foreach (var allocation in allocations)
            {
                foreach (var field in new[] { "public_key", "private_key" })
                {
                    var secret = allocation.GetProperty(field).GetString()!;
                    text.ShouldNotContain(secret, Case.Sensitive, $"status exposes an allocated {field}");
                    text.ShouldNotContain(JsonSerializer.Serialize(secret).Trim('"'), Case.Sensitive, $"status exposes an allocated {field} (JSON-escaped)");
                }
            }

            text.ShouldNotContain("public_key");
            text.ShouldNotContain("private_key");
        }

        second.Status.ShouldBe(HttpStatusCode.OK, second.Text);
        second.Json.GetProperty("statistics").GetProperty("total_keys").GetInt32().ShouldBe(4);
        second.Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32().ShouldBe(2);
        second.Json.GetProperty("statistics").GetProperty("keys_available").GetInt32().ShouldBe(2);
        second.Json.GetProperty("active_connections").EnumerateArray().Select(c => c.GetProperty("server_ip").GetString()).ShouldBe([VpnHost.Second, VpnHost.Second]);

        var first = await host.GetAsync($"/vpn_api/status?ip={VpnHost.First}");
        first.Json.GetProperty("statistics").GetProperty("total_keys").GetInt32().ShouldBe(3);
        first.Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32().ShouldBe(1);
        first.Json.GetProperty("active_connections").EnumerateArray().Single().GetProperty("internal_ip").GetString()
            .ShouldBe(allocations[0].GetProperty("internal_ip").GetString());

        (await host.GetAsync("/vpn_api/status?ip=192.0.2.99")).ShouldBeFailure(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ApiKey_WhenConfigured_IsRequiredOnEveryCall()
    {
        const string key = "vpn-api-key-0123456789-0123456789-abcdef";
        var wrong = "X" + key[1..];
        await using var host = VpnHost.Start([(VpnHost.First, 5)], ("ProxyKit:Server:VpnApi:ApiKey", key));

        foreach (var path in new[] { "/vpn_api/list", "/vpn_api/allocate", "/vpn_api/status" })
        {
            (await host.GetAsync(path)).ShouldBeFailure(HttpStatusCode.Unauthorized);
            (await host.GetAsync(path, r => r.Headers.Add("X-API-Key", wrong))).ShouldBeFailure(HttpStatusCode.Unauthorized);
            (await host.GetAsync(path, r => r.Headers.Authorization = new("Bearer", wrong))).ShouldBeFailure(HttpStatusCode.Unauthorized);
            (await host.GetAsync(path, r => r.Headers.Authorization = new("Basic", key))).ShouldBeFailure(HttpStatusCode.Unauthorized);
        }

        var releaseWithoutKey = await host.ReleaseAsync(WireGuardPrivateKey.Parse(Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 7)).ToArray())).PublicKey.ToBase64());
        releaseWithoutKey.ShouldBeFailure(HttpStatusCode.Unauthorized);
        (await host.GetAsync("/vpn_api/status", r => r.Headers.Add("X-API-Key", key))).Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32()
            .ShouldBe(0, "unauthorised calls allocate nothing");

        (await host.GetAsync("/vpn_api/list", r => r.Headers.Authorization = new("Bearer", key))).Status.ShouldBe(HttpStatusCode.OK);
        (await host.GetAsync("/vpn_api/list", r => r.Headers.Add("X-API-Key", key))).Status.ShouldBe(HttpStatusCode.OK);
        var allocated = await host.AllocateAsync(configure: r => r.Headers.Authorization = new("Bearer", key));
        await host.AllocateAsync(configure: r => r.Headers.Add("X-API-Key", key));

        var release = await host.SendAsync(
            HttpMethod.Post, "/vpn_api/release", r => r.Headers.Add("X-API-Key", key),
            JsonSerializer.Serialize(new Dictionary<string, string> { ["public_key"] = allocated.GetProperty("public_key").GetString()! }));
        release.Status.ShouldBe(HttpStatusCode.OK, release.Text);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"public_key\": 42}")]
    [InlineData("{}")]
    public async Task ApiKey_WhenConfigured_IsCheckedBeforeTheBody(string body)
    {
        const string key = "vpn-api-key-0123456789-0123456789-abcdef";
        await using var host = VpnHost.Start([(VpnHost.First, 5)], ("ProxyKit:Server:VpnApi:ApiKey", key));

        var response = await host.SendAsync(HttpMethod.Post, "/vpn_api/release", jsonBody: body);

        // The key check (VpnEndpoints.RequireApiKeyAsync, an endpoint filter added to the group) runs only after the request
        // delegate has bound the body; a malformed body throws BadHttpRequestException first, so a caller without the key
        // gets 400 and learns about the body's validity before authenticating.
        response.Status.ShouldBe(HttpStatusCode.Unauthorized,
            "a call without the API key must be 401 whatever its body; RequireApiKeyAsync is an endpoint filter " +
            "(samples/ProxyKit.Server/WireGuard/VpnEndpoints.cs:30) and runs after body binding. Body: " + response.Text);
        response.ShouldBeFailure(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task MaxKeysPerClient_Reached_Is429PerClient()
    {
        await using var host = VpnHost.Start(
            [(VpnHost.First, 5)], ("ProxyKit:WireGuard:MaxKeysPerClient", "1"), ("ProxyKit:Server:VpnApi:TrustedProxies:0", "127.0.0.1"));
        var held = await host.AllocateAsync(configure: r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"));

        (await host.GetAsync("/vpn_api/allocate", r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"))).ShouldBeFailure(HttpStatusCode.TooManyRequests);
        await host.AllocateAsync(configure: r => r.Headers.Add("X-Forwarded-For", "203.0.113.8"));

        (await host.ReleaseAsync(held.GetProperty("public_key").GetString()!)).Status.ShouldBe(HttpStatusCode.OK);
        await host.AllocateAsync(configure: r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"));
    }

    [Fact]
    public async Task ReturnExistingKey_HandsTheClientsKeyBack()
    {
        await using var host = VpnHost.Start(
            [(VpnHost.First, 5)], ("ProxyKit:WireGuard:KeepClientPrivateKeys", "true"), ("ProxyKit:WireGuard:ReturnExistingKey", "true"));
        var first = await host.AllocateAsync();

        var again = await host.AllocateAsync();

        foreach (var field in new[] { "private_key", "public_key", "internal_ip", "config" })
        {
            again.GetProperty(field).GetString().ShouldBe(first.GetProperty(field).GetString(), field);
        }

        (await host.GetAsync("/vpn_api/status")).Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task ClientIdentity_IsTheConnectionsAddress_ForwardedForFromUntrustedPeersIgnored()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 5)]);

        await host.AllocateAsync(configure: r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"));

        var status = await host.GetAsync("/vpn_api/status");
        status.Json.GetProperty("active_connections").EnumerateArray().Single().GetProperty("assigned_to").GetString()
            .ShouldBe("127.0.0.1", "X-Forwarded-For from a peer that is not a trusted proxy must be ignored");
    }

    [Fact]
    public async Task ClientIdentity_FromATrustedProxy_IsTheForwardedClient()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 5)], ("ProxyKit:Server:VpnApi:TrustedProxies:0", "127.0.0.1"));

        await host.AllocateAsync(configure: r => r.Headers.Add("X-Forwarded-For", "203.0.113.7"));
        await host.AllocateAsync(configure: r => r.Headers.Add("X-Forwarded-For", "192.0.2.1, 203.0.113.8, 127.0.0.1"));
        await host.AllocateAsync();

        var status = await host.GetAsync("/vpn_api/status");
        status.Json.GetProperty("active_connections").EnumerateArray().Select(c => c.GetProperty("assigned_to").GetString()).Order(StringComparer.Ordinal).ToArray()
            .ShouldBe(["127.0.0.1", "203.0.113.7", "203.0.113.8"],
                "the rightmost untrusted X-Forwarded-For hop is the client; without the header the proxy itself is");
    }

    [Fact]
    public async Task Allocate_32ConcurrentCalls_GetDistinctKeysAndAddresses()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 40)]);

        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => host.GetAsync("/vpn_api/allocate")));

        responses.Where(r => r.Status != HttpStatusCode.OK).Select(r => $"{(int)r.Status} {r.Text}").ShouldBeEmpty("every concurrent allocation must succeed");
        responses.Select(r => r.Json.GetProperty("public_key").GetString()).Distinct().Count().ShouldBe(32, "public keys must be distinct");
        responses.Select(r => r.Json.GetProperty("private_key").GetString()).Distinct().Count().ShouldBe(32, "private keys must be distinct");
        responses.Select(r => r.Json.GetProperty("internal_ip").GetString()).Distinct().Count().ShouldBe(32, "internal IPs must be distinct");

        var status = await host.GetAsync("/vpn_api/status");
        status.Json.GetProperty("statistics").GetProperty("keys_in_use").GetInt32().ShouldBe(32);
        status.Json.GetProperty("statistics").GetProperty("keys_available").GetInt32().ShouldBe(8);
        status.Json.GetProperty("active_connections").EnumerateArray().Select(c => c.GetProperty("internal_ip").GetString()).Order(StringComparer.Ordinal)
            .ShouldBe(responses.Select(r => r.Json.GetProperty("internal_ip").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Allocate_ConcurrentCallsFillingTwoServersExactly_AllSucceedThenExhausted()
    {
        await using var host = VpnHost.Start([(VpnHost.First, 20), (VpnHost.Second, 20)]);

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => host.GetAsync("/vpn_api/allocate")));

        responses.Where(r => r.Status != HttpStatusCode.OK).Select(r => $"{(int)r.Status} {r.Text}")
            .ShouldBeEmpty("40 concurrent allocations on 2 × 20 keys must all succeed");
        responses.Select(r => (r.Json.GetProperty("server_ip").GetString(), r.Json.GetProperty("internal_ip").GetString())).Distinct().Count().ShouldBe(40);
        responses.Count(r => r.Json.GetProperty("server_ip").GetString() == VpnHost.First).ShouldBe(20);
        (await host.GetAsync("/vpn_api/allocate")).ShouldBeFailure(HttpStatusCode.ServiceUnavailable, "No available VPN keys");
    }

    private static string[] Names(JsonElement json) =>
        [.. json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")]
    private static partial Regex SeedTimestamp();
}
