extern alias emulator;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using emulator::ProxyKit.ProviderEmulator;

namespace ProxyKit.Server.Tests.ExternalSocks;

/// <summary>Seed 001's <c>/api/external-proxy</c> over HTTP, the provider being the emulator (real HTTP on loopback).</summary>
public sealed class ExternalProxyEndpointsTests : IAsyncLifetime
{
    private const string AdminKey = "admin-key-0123456789-0123456789-0123456789";
    private const string InstanceToken = "instance-token-0123456789-0123456789";
    private ProviderEmulatorHost _provider = null!;
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _provider = await ProviderEmulatorHost.StartAsync(inventory: 40, seed: 7);
        _factory = new ServerFactory()
            .With("ProxyKit:ExternalSocks:BaseUrl", _provider.BaseUrl.ToString())
            .With("ProxyKit:ExternalSocks:ApiToken", _provider.Token)
            .With("ProxyKit:Accounts:AdminApiKey", AdminKey)
            .With("ProxyKit:Accounts:RegistrationsPerHourPerIp", "50")
            .With("ProxyKit:Api:Token", InstanceToken);
        _client = _factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task SyncListPurchaseRefund_TheSeedsShapes()
    {
        using var synced = await SendAsync(HttpMethod.Post, "/api/external-proxy/sync", AdminKey, new { page_size = 15 });
        var sync = await synced.Content.ReadFromJsonAsync<JsonElement>();
        synced.StatusCode.ShouldBe(HttpStatusCode.OK, sync.ToString());
        var online = _provider.State.Snapshot().Online;
        online.ShouldBeGreaterThan(30);
        sync.GetProperty("total_fetched").GetInt32().ShouldBe(online);
        sync.GetProperty("total_available_external").GetInt32().ShouldBe(online);
        sync.GetProperty("added").GetInt32().ShouldBe(online);
        sync.GetProperty("updated").GetInt32().ShouldBe(0);
        sync.GetProperty("skipped").GetInt32().ShouldBe(0);
        sync.GetProperty("sync_time").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));

        var (userId, key) = await RegisterAsync("buyer@example.com");
        await GrantUsdAsync(userId, 1000);

        using var listed = await SendAsync(HttpMethod.Get, "/api/external-proxy/list?page=0&page_size=5", key);
        var list = await listed.Content.ReadFromJsonAsync<JsonElement>();
        listed.StatusCode.ShouldBe(HttpStatusCode.OK, list.ToString());
        list.GetProperty("total").GetInt32().ShouldBe(online);
        list.GetProperty("page").GetInt32().ShouldBe(0);
        list.GetProperty("page_size").GetInt32().ShouldBe(5);
        var item = list.GetProperty("proxies")[0];
        foreach (var field in new[] { "product_id", "proxy_id", "country", "country_code", "city", "ISP", "price", "status" })
        {
            item.TryGetProperty(field, out _).ShouldBeTrue(field);
        }

        item.GetProperty("price").GetDecimal().ShouldBe(2.00m);
        var productId = item.GetProperty("product_id").GetInt64();
        var countryCode = item.GetProperty("country_code").GetString();
        using var byCountry = await SendAsync(HttpMethod.Get, $"/api/external-proxy/list?country_code={countryCode}&page_size=100", key);
        (await byCountry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxies").EnumerateArray()
            .ShouldAllBe(p => p.GetProperty("country_code").GetString() == countryCode);

        using var bought = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase", key, new { product_id = productId });
        var order = await bought.Content.ReadFromJsonAsync<JsonElement>();
        bought.StatusCode.ShouldBe(HttpStatusCode.OK, order.ToString());
        order.GetProperty("order_id").GetString()!.ShouldStartWith("ORD-");
        order.GetProperty("proxy_id").GetInt64().ShouldBe(item.GetProperty("proxy_id").GetInt64());
        order.GetProperty("price").GetDecimal().ShouldBe(2.00m);
        order.GetProperty("refundable").GetBoolean().ShouldBeTrue();
        order.GetProperty("expires_at").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(23));
        var credentials = order.GetProperty("credentials");
        var purchase = _provider.State.Purchased(null).Single();
        credentials.GetProperty("ip").GetString().ShouldBe(purchase.Ip);
        credentials.GetProperty("port").GetString().ShouldBe(purchase.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        credentials.GetProperty("login").GetString().ShouldBe(purchase.Login);
        credentials.GetProperty("password").GetString().ShouldBe(purchase.Password);
        credentials.TryGetProperty("ISP", out _).ShouldBeTrue();

        using var again = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase", key, new { product_id = productId });
        (await ErrorCodeAsync(again, HttpStatusCode.Conflict)).ShouldBe("PRODUCT_UNAVAILABLE");

        var orderId = order.GetProperty("order_id").GetString();
        using var stillOnline = await SendAsync(HttpMethod.Post, "/api/external-proxy/refund", key, new { order_id = orderId });
        (await ErrorCodeAsync(stillOnline, HttpStatusCode.Conflict)).ShouldBe("PROXY_ONLINE");

        _provider.State.SetPurchasedStatus(purchase.CredentialsId, 0);
        using var refunded = await SendAsync(HttpMethod.Post, "/api/external-proxy/refund", key, new { order_id = orderId });
        var refund = await refunded.Content.ReadFromJsonAsync<JsonElement>();
        refunded.StatusCode.ShouldBe(HttpStatusCode.OK, refund.ToString());
        refund.GetProperty("status").GetString().ShouldBe("success");
        refund.GetProperty("refund_amount").GetDecimal().ShouldBe(2.00m);
        using var twice = await SendAsync(HttpMethod.Post, "/api/external-proxy/refund", key, new { order_id = orderId });
        (await ErrorCodeAsync(twice, HttpStatusCode.Conflict)).ShouldBe("ALREADY_REFUNDED");

        using var statsResponse = await SendAsync(HttpMethod.Get, "/api/external-proxy/stats", AdminKey);
        var stats = await statsResponse.Content.ReadFromJsonAsync<JsonElement>();
        stats.GetProperty("total_inventory").GetInt32().ShouldBe(online - 1);
        stats.GetProperty("total_sold").GetInt32().ShouldBe(1);
        stats.GetProperty("total_refunded").GetInt32().ShouldBe(1);
        stats.GetProperty("revenue").GetDecimal().ShouldBe(0m);
        stats.GetProperty("countries_available").GetInt32().ShouldBeGreaterThan(0);
        stats.GetProperty("last_sync").GetDateTimeOffset().ShouldBe(sync.GetProperty("sync_time").GetDateTimeOffset());
    }

    [Fact]
    public async Task Purchase_WithoutFunds_402AndTheItemStaysForSale()
    {
        using (var synced = await SendAsync(HttpMethod.Post, "/api/external-proxy/sync", AdminKey, new { page_size = 100 }))
        {
            synced.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var (userId, key) = await RegisterAsync("poor@example.com");
        await GrantUsdAsync(userId, 150);
        using var listed = await SendAsync(HttpMethod.Get, "/api/external-proxy/list?page_size=1", key);
        var productId = (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxies")[0].GetProperty("product_id").GetInt64();

        using var refused = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase", key, new { product_id = productId });
        (await ErrorCodeAsync(refused, HttpStatusCode.PaymentRequired)).ShouldBe("INSUFFICIENT_FUNDS");
        using var unknown = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase", key, new { product_id = 999_999 });
        (await ErrorCodeAsync(unknown, HttpStatusCode.NotFound)).ShouldBe("PRODUCT_NOT_FOUND");
        using var malformed = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase", key, new { product = 1 });
        (await ErrorCodeAsync(malformed, HttpStatusCode.BadRequest)).ShouldBe("INVALID_REQUEST");

        using var after = await SendAsync(HttpMethod.Get, "/api/external-proxy/list?page_size=1", key);
        (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxies")[0].GetProperty("product_id").GetInt64().ShouldBe(productId);
        _provider.State.Snapshot().Sold.ShouldBe(0, "the provider was never asked");
    }

    [Fact]
    public async Task Auth_UsersKeysNotTheInstanceToken_AndAdminOnlyWhereTheSeedSaysSo()
    {
        var (_, key) = await RegisterAsync("user@example.com");

        using var anonymous = await _client.GetAsync("/api/external-proxy/list");
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var instanceToken = await SendAsync(HttpMethod.Get, "/api/external-proxy/list", InstanceToken);
        instanceToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the instance API's token is not a user");
        using var user = await SendAsync(HttpMethod.Get, "/api/external-proxy/list", key);
        user.StatusCode.ShouldBe(HttpStatusCode.OK, "a user's key passes although /api is guarded by the instance token");
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/external-proxy/sync"), (HttpMethod.Post, "/api/external-proxy/cleanup"), (HttpMethod.Get, "/api/external-proxy/stats") })
        {
            using var forbidden = await SendAsync(method, path, key, method == HttpMethod.Post ? new { } : null);
            forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
        }

        using var cleanup = await SendAsync(HttpMethod.Post, "/api/external-proxy/cleanup", AdminKey, new { });
        var body = await cleanup.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("success");
        body.GetProperty("removed_count").GetInt32().ShouldBe(0);
        body.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Sync_ProviderFailing_IsIncompleteAndRemovesNothing()
    {
        using (var first = await SendAsync(HttpMethod.Post, "/api/external-proxy/sync", AdminKey, new { page_size = 10 }))
        {
            first.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        _provider.State.SetFaults(new EmulatorFaults { ListFailAfterPages = 1 });

        using var partial = await SendAsync(HttpMethod.Post, "/api/external-proxy/sync", AdminKey, new { page_size = 10 });
        var result = await partial.Content.ReadFromJsonAsync<JsonElement>();
        partial.StatusCode.ShouldBe(HttpStatusCode.OK, result.ToString());
        result.GetProperty("complete").GetBoolean().ShouldBeFalse();
        result.GetProperty("removed").GetInt32().ShouldBe(0);
        result.GetProperty("total_fetched").GetInt32().ShouldBe(10);

        using var status = await SendAsync(HttpMethod.Get, "/api/external-proxy/sync/status", AdminKey);
        var last = await status.Content.ReadFromJsonAsync<JsonElement>();
        last.GetProperty("complete").GetBoolean().ShouldBeFalse();
        last.GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
        using var stats = await SendAsync(HttpMethod.Get, "/api/external-proxy/stats", AdminKey);
        (await stats.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("total_inventory").GetInt32().ShouldBe(_provider.State.Snapshot().Online);
    }

    [Fact]
    public async Task Export_CompletedPurchases_AsTxtAndCsv()
    {
        using (var synced = await SendAsync(HttpMethod.Post, "/api/external-proxy/sync", AdminKey, new { page_size = 100 }))
        {
            synced.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var (userId, key) = await RegisterAsync("exporter@example.com");
        await GrantUsdAsync(userId, 1000);
        using var listed = await SendAsync(HttpMethod.Get, "/api/external-proxy/list?page_size=2", key);
        foreach (var proxy in (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxies").EnumerateArray())
        {
            using var bought = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase", key, new { product_id = proxy.GetProperty("product_id").GetInt64() });
            bought.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var txt = await SendAsync(HttpMethod.Get, "/api/external-proxy/orders/export?format=txt", key);
        var lines = (await txt.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(2);
        var purchases = _provider.State.Purchased(null);
        lines.ShouldAllBe(line => purchases.Any(p => line == $"{p.Ip}:{p.Port}:{p.Login}:{p.Password}"));

        using var csv = await SendAsync(HttpMethod.Get, "/api/external-proxy/orders/export?format=csv", key);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        rows[0].ShouldBe("order_id,ip,port,login,password,country,isp,purchased_at");
        rows.Length.ShouldBe(3);

        var (_, other) = await RegisterAsync("other@example.com");
        using var none = await SendAsync(HttpMethod.Get, "/api/external-proxy/orders/export?format=txt", other);
        (await none.Content.ReadAsStringAsync()).ShouldBeEmpty("another user's purchases are not theirs");
    }

    [Fact]
    public async Task PurchaseBatch_AllOrNothingPayment_OverHttp()
    {
        using (var synced = await SendAsync(HttpMethod.Post, "/api/external-proxy/sync", AdminKey, new { page_size = 100 }))
        {
            synced.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var (userId, key) = await RegisterAsync("batch@example.com");
        await GrantUsdAsync(userId, 500);
        using var listed = await SendAsync(HttpMethod.Get, "/api/external-proxy/list?page_size=3", key);
        var ids = (await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("proxies").EnumerateArray().Select(p => p.GetProperty("product_id").GetInt64()).ToArray();

        using var tooMany = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase/batch", key, new { product_ids = ids });
        (await ErrorCodeAsync(tooMany, HttpStatusCode.PaymentRequired)).ShouldBe("INSUFFICIENT_FUNDS");

        using var two = await SendAsync(HttpMethod.Post, "/api/external-proxy/purchase/batch", key, new { product_ids = ids[..2] });
        var body = await two.Content.ReadFromJsonAsync<JsonElement>();
        two.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("completed").GetInt32().ShouldBe(2);
        body.GetProperty("charged").GetDecimal().ShouldBe(4.00m);
        body.GetProperty("orders").EnumerateArray().ShouldAllBe(o => o.GetProperty("credentials").GetProperty("login").GetString()!.Length > 0);
        _provider.State.Snapshot().Sold.ShouldBe(2);
    }

    private async Task<(string UserId, string Key)> RegisterAsync(string email)
    {
        using var response = await _client.PostAsJsonAsync("/auth/register", new { email, display_name = "Buyer" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("user").GetProperty("id").GetString()!, body.GetProperty("api_key").GetProperty("key").GetString()!);
    }

    private async Task GrantUsdAsync(string userId, long cents)
    {
        using var granted = await SendAsync(HttpMethod.Post, $"/admin/accounts/{userId}/grants", AdminKey, new { amount = cents, asset = "usd" });
        granted.IsSuccessStatusCode.ShouldBeTrue(await granted.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await _client.SendAsync(request);
    }

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(status, body.ToString());
        body.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
        return body.GetProperty("error").GetProperty("code").GetString()!;
    }
}
