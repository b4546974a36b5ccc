using System.Net;
using System.Text;
using System.Text.Json;

namespace ProxyKit.Server.Tests.WireGuard;

/// <summary>
/// The sample server with WireGuard servers configured (peers in memory: no interface is ever touched), served by a real
/// Kestrel listener on 127.0.0.1 so requests carry a real remote address (TestServer gives none, and the seed 004 API
/// identifies clients by it).
/// </summary>
internal sealed class VpnHost : IAsyncDisposable
{
    public const string First = "198.51.100.10";
    public const string Second = "203.0.113.20";

    private readonly ServerFactory _factory;

    private VpnHost(ServerFactory factory, HttpClient client)
    {
        _factory = factory;
        Client = client;
    }

    public HttpClient Client { get; }

    /// <summary>Starts a server with <paramref name="servers"/> (public IP, capacity) in that order and extra settings.</summary>
    public static VpnHost Start((string PublicIp, int Capacity)[] servers, params (string Key, string? Value)[] settings)
    {
        var factory = new ServerFactory().With("ProxyKit:WireGuard:PeerSync", "InMemory");
        for (var i = 0; i < servers.Length; i++)
        {
            factory.With($"ProxyKit:WireGuard:Servers:{i}:PublicIp", servers[i].PublicIp);
            factory.With($"ProxyKit:WireGuard:Servers:{i}:Capacity", servers[i].Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in settings)
        {
            factory.With(key, value);
        }

        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var client = factory.CreateClient();
        return new VpnHost(factory, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _factory.DisposeAsync();
    }

    /// <summary>Sends a request and returns the status, the headers and the body as raw text and parsed JSON.</summary>
    public async Task<VpnResponse> SendAsync(HttpMethod method, string path, Action<HttpRequestMessage>? configure = null, string? jsonBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        configure?.Invoke(request);
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement json;
        try
        {
            json = JsonSerializer.Deserialize<JsonElement>(text);
        }
        catch (JsonException ex)
        {
            throw new ShouldAssertException($"{method} {path} answered {(int)response.StatusCode} with a body that is not JSON: '{text}'", ex);
        }

        return new VpnResponse(response.StatusCode, response.Headers, response.Content.Headers, text, json);
    }

    public Task<VpnResponse> GetAsync(string path, Action<HttpRequestMessage>? configure = null) => SendAsync(HttpMethod.Get, path, configure);

    public Task<VpnResponse> ReleaseAsync(string publicKey) =>
        SendAsync(HttpMethod.Post, "/vpn_api/release", jsonBody: JsonSerializer.Serialize(new Dictionary<string, string> { ["public_key"] = publicKey }));

    /// <summary>Allocates and asserts success.</summary>
    public async Task<JsonElement> AllocateAsync(string query = "", Action<HttpRequestMessage>? configure = null)
    {
        var response = await GetAsync("/vpn_api/allocate" + query, configure);
        response.Status.ShouldBe(HttpStatusCode.OK, response.Text);
        response.Json.GetProperty("success").GetBoolean().ShouldBeTrue(response.Text);
        return response.Json;
    }
}

internal sealed record VpnResponse(
    HttpStatusCode Status,
    System.Net.Http.Headers.HttpResponseHeaders Headers,
    System.Net.Http.Headers.HttpContentHeaders ContentHeaders,
    string Text,
    JsonElement Json)
{
    /// <summary>Asserts the seed 004 failure shape: exactly <c>{"success": false, "error": "..."}</c>.</summary>
    public string ShouldBeFailure(HttpStatusCode status, string? error = null)
    {
        Status.ShouldBe(status, Text);
        ContentHeaders.ContentType?.MediaType.ShouldBe("application/json", Text);
        Json.ValueKind.ShouldBe(JsonValueKind.Object, Text);
        Json.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray().ShouldBe(["error", "success"], Text);
        Json.GetProperty("success").ValueKind.ShouldBe(JsonValueKind.False, Text);
        Json.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.String, Text);
        var message = Json.GetProperty("error").GetString()!;
        message.ShouldNotBeNullOrWhiteSpace(Text);
        if (error is not null)
        {
            message.ShouldBe(error, Text);
        }

        return message;
    }
}
