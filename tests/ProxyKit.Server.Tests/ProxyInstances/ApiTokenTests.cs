using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ProxyKit.Server.Tests.ProxyInstances;

public sealed class ApiTokenTests
{
    private const string Token = "0123456789abcdef0123456789abcdef-test";

    [Fact]
    public async Task TokenConfigured_ApiRoutesNeedIt_HealthStaysOpen()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Api:Token", Token);
        using var client = factory.CreateClient();

        using var anonymous = await client.GetAsync("/api/list_proxies");
        using var wrong = await Send(client, "/api/list_proxies", "not-the-token");
        using var right = await Send(client, "/api/list_proxies", Token);
        using var health = await client.GetAsync("/api/health");

        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldContain("API token");
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        right.StatusCode.ShouldBe(HttpStatusCode.OK);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://127.0.0.1:5000;http://[::]:5001")]
    public async Task ListeningBeyondLoopbackWithoutToken_StartFailsNamingTheSetting(string urls)
    {
        await using var factory = new ServerFactory().With("urls", urls);

        var error = Should.Throw<Exception>(() => factory.CreateClient());

        error.ToString().ShouldContain("ProxyKit:Api:Token");
    }

    [Fact]
    public async Task ShortToken_StartFails()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Api:Token", "short");

        Should.Throw<Exception>(() => factory.CreateClient()).ToString().ShouldContain("at least 32 characters");
    }

    [Fact]
    public async Task CreateProxyWithTtl_ExpiresAtSet()
    {
        await using var factory = new ServerFactory()
            .With("ProxyKit:Instances:Assigner", "None")
            .With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:97::/64");
        using var client = factory.CreateClient();

        var created = await (await client.PostAsJsonAsync("/api/create_proxy", new { type = "http", @interface = "eth0", ttl = 120 })).Content.ReadFromJsonAsync<JsonElement>();

        (created.GetProperty("expires_at").GetDouble() - created.GetProperty("created_at").GetDouble()).ShouldBe(120, 0.01);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }
}
