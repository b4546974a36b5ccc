using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ProxyKit.Server.Tests.Accounts;

public sealed class AccountEndpointsTests : IAsyncLifetime
{
    private const string AdminKey = "admin-key-0123456789-0123456789-0123456789";
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ServerFactory()
            .With("ProxyKit:Accounts:AdminApiKey", AdminKey)
            .With("ProxyKit:Accounts:RegistrationsPerHourPerIp", "50");
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Register_201WithTheUserAndAKeyShownOnce()
    {
        using var response = await _client.PostAsJsonAsync("/auth/register", new { email = "alice@example.com", display_name = "Alice" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        body.GetProperty("user").GetProperty("email").GetString().ShouldBe("alice@example.com");
        body.GetProperty("user").GetProperty("display_name").GetString().ShouldBe("Alice");
        Guid.TryParse(body.GetProperty("user").GetProperty("id").GetString(), out _).ShouldBeTrue();
        var key = body.GetProperty("api_key");
        key.GetProperty("key").GetString()!.ShouldMatch("^pp_[0-9A-Za-z]{48}$");
        key.GetProperty("prefix").GetString().ShouldBe(key.GetProperty("key").GetString()![..8]);
        key.GetProperty("label").GetString().ShouldBe("default");
    }

    [Theory]
    [InlineData("""{"email":"not-an-email","display_name":"A"}""", 422, "VALIDATION_ERROR")]
    [InlineData("""{"email":"b@example.com","display_name":""}""", 422, "VALIDATION_ERROR")]
    [InlineData("""{"email":"DUP@example.com","display_name":"Dup"}""", 409, "EMAIL_TAKEN")]
    public async Task Register_Refused_InTheSeedsErrorShape(string json, int status, string code)
    {
        await RegisterAsync("dup@example.com");

        using var response = await _client.PostAsync("/auth/register", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        ((int)response.StatusCode).ShouldBe(status);
        error.GetProperty("code").GetString().ShouldBe(code);
        error.GetProperty("message").GetString().ShouldNotBeNullOrWhiteSpace();
        error.GetProperty("details").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Theory]
    [InlineData("/auth/register", "{not json")]
    [InlineData("/auth/register", """{"email": 5}""")]
    public async Task MalformedBody_400InTheSeedsErrorShape(string path, string json)
    {
        using var response = await _client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.GetProperty("code").GetString().ShouldBe("INVALID_REQUEST");
        error.GetProperty("message").GetString()!.ShouldStartWith("Invalid request");
    }

    [Fact]
    public async Task Register_RateLimitedPerClientAddress()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Accounts:RegistrationsPerHourPerIp", "2");
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.PostAsJsonAsync("/auth/register", new { email = $"r{i}@example.com", display_name = "R" });
            statuses.Add(response.StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer pp_short")]
    [InlineData("Bearer pp_000000000000000000000000000000000000000000000000")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task Account_WithoutAValidKey_401InTheSeedsShape(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString().ShouldBe("UNAUTHORIZED");
    }

    [Fact]
    public async Task Keys_CreateListRevoke_TheRevokedKeyFailsAtOnce()
    {
        var (_, first) = await RegisterAsync("keys@example.com");
        using var created = await SendAsync(HttpMethod.Post, "/auth/keys", first, new { label = "ci" });
        var second = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secondKey = second.GetProperty("key").GetString()!;

        using var listed = await SendAsync(HttpMethod.Get, "/auth/keys", secondKey);
        var list = await listed.Content.ReadFromJsonAsync<JsonElement>();
        using var works = await SendAsync(HttpMethod.Get, "/account", secondKey);
        using var revoked = await SendAsync(HttpMethod.Delete, $"/auth/keys/{second.GetProperty("id").GetString()}", first);
        using var afterRevoke = await SendAsync(HttpMethod.Get, "/account", secondKey);
        using var stillFirst = await SendAsync(HttpMethod.Get, "/account", first);

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.GetProperty("label").GetString().ShouldBe("ci");
        list.GetProperty("total_count").GetInt32().ShouldBe(2);
        list.GetRawText().ShouldNotContain(secondKey);
        list.GetRawText().ShouldNotContain(first);
        list.GetProperty("items").EnumerateArray().Select(k => k.GetProperty("label").GetString()).ShouldBe(["default", "ci"], ignoreOrder: true);
        works.StatusCode.ShouldBe(HttpStatusCode.OK);
        revoked.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        afterRevoke.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        stillFirst.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AdminGrant_ThenCredits_TheSeedsTransactionShape()
    {
        var (userId, key) = await RegisterAsync("credits@example.com");

        using var byUser = await SendAsync(HttpMethod.Post, $"/admin/accounts/{userId}/grants", key, new { amount = 100 });
        using var granted = await SendAsync(HttpMethod.Post, $"/admin/accounts/{userId}/grants", AdminKey, new { amount = 100 });
        using var credits = await SendAsync(HttpMethod.Get, "/account/credits", key);
        var body = await credits.Content.ReadFromJsonAsync<JsonElement>();
        using var account = await SendAsync(HttpMethod.Get, "/account", key);
        var leases = await (await SendAsync(HttpMethod.Get, "/account/leases", key)).Content.ReadFromJsonAsync<JsonElement>();

        byUser.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        granted.StatusCode.ShouldBe(HttpStatusCode.Created);
        body.GetProperty("balance").GetInt64().ShouldBe(100);
        var transaction = body.GetProperty("recent_transactions").EnumerateArray().Single();
        transaction.GetProperty("amount").GetInt64().ShouldBe(100);
        transaction.GetProperty("tx_type").GetString().ShouldBe("purchase");
        transaction.GetProperty("description").GetString().ShouldBe("Credit purchase");
        transaction.GetProperty("created_at").GetDateTimeOffset().ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("credits").GetInt64().ShouldBe(100);
        leases.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task AdminGrant_IdempotencyKey_ReplayedOnce_DifferentBody422()
    {
        var (userId, key) = await RegisterAsync("idem@example.com");

        var first = await GrantAsync(userId, "grant-7", new { amount = 100 });
        var again = await GrantAsync(userId, "grant-7", new { amount = 100 });
        var other = await GrantAsync(userId, "grant-7", new { amount = 250 });
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => GrantAsync(userId, "grant-8", new { amount = 5 })));
        var balance = (await (await SendAsync(HttpMethod.Get, "/account/credits", key)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("balance").GetInt64();

        first.Status.ShouldBe(201);
        again.Status.ShouldBe(201);
        again.Replayed.ShouldBeTrue();
        again.Body.ShouldBe(first.Body);
        other.Status.ShouldBe(422);
        concurrent.ShouldAllBe(r => r.Status == 201 || r.Status == 409);
        concurrent.Count(r => r.Status == 201 && !r.Replayed).ShouldBe(1);
        balance.ShouldBe(105, "one grant of 100 and one of 5, whatever the retries");
    }

    [Fact]
    public async Task ThePlaintextKeyNeverReachesTheDatabaseFile()
    {
        var (_, key) = await RegisterAsync("secret@example.com");
        using var used = await SendAsync(HttpMethod.Get, "/account", key);
        used.StatusCode.ShouldBe(HttpStatusCode.OK);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(_factory.DataFolder, "*", SearchOption.AllDirectories);
        files.ShouldNotBeEmpty();
        foreach (var file in files)
        {
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(file);
            }
            catch (FileNotFoundException)
            {
                continue; // a -wal/-shm file removed as the last connection to it closed: it holds nothing now
            }

            System.Text.Encoding.Latin1.GetString(bytes).ShouldNotContain(key[3..], customMessage: $"{Path.GetFileName(file)} holds the key");
        }
    }

    private async Task<(string UserId, string Key)> RegisterAsync(string email)
    {
        using var response = await _client.PostAsJsonAsync("/auth/register", new { email, display_name = "Test" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("user").GetProperty("id").GetString()!, body.GetProperty("api_key").GetProperty("key").GetString()!);
    }

    private async Task<(int Status, string Body, bool Replayed)> GrantAsync(string userId, string idempotencyKey, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/admin/accounts/{userId}/grants") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await _client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains("Idempotent-Replayed"));
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
}
