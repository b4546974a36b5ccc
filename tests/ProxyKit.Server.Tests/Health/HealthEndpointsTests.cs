using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Server.Tests.Health;

public sealed class HealthEndpointsTests
{
    [Fact]
    public async Task Health_EmbeddedDefaults_HealthyWithPostgresAndRedisNotConfigured()
    {
        await using var factory = new ServerFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("healthy");
        body.GetProperty("postgres").GetString().ShouldBe("not configured");
        body.GetProperty("redis").GetString().ShouldBe("not configured");
        body.GetProperty("version").GetString().ShouldBe("0.1.0");
        body.GetProperty("storage").GetString().ShouldBe("sqlite");
    }

    [SkippableFact]
    public async Task Health_PostgresAndRedisConfigured_BothConnected()
    {
        await using var database = await TestDatabase.CreateAsync(TestEngine.Postgres);
        await using var factory = new ServerFactory()
            .With("ProxyKit:Postgres:ConnectionString", database.ConnectionString)
            .With("ProxyKit:Redis:Configuration", TestEnvironment.RequireRedis());
        using var client = factory.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>("/health");

        body.GetProperty("status").GetString().ShouldBe("healthy");
        body.GetProperty("postgres").GetString().ShouldBe("connected");
        body.GetProperty("redis").GetString().ShouldBe("connected");
        body.GetProperty("storage").GetString().ShouldBe("postgres");
    }

    [Fact]
    public async Task Health_ConfiguredPostgresUnreachable_503AndDisconnected()
    {
        // Migrations off so the server starts; the health endpoint must then tell the truth.
        await using var factory = new ServerFactory()
            .With("ProxyKit:Storage:MigrateOnStartup", "false")
            .With("ProxyKit:Postgres:ConnectionString", $"Host=127.0.0.1;Port={TestNetwork.UnusedLoopbackPort()};Username=u;Password=p;Timeout=1");
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("unhealthy");
        body.GetProperty("postgres").GetString().ShouldBe("disconnected");
        body.GetProperty("redis").GetString().ShouldBe("not configured");
    }

    [Fact]
    public async Task ApiHealth_Seed000Shape()
    {
        await using var factory = new ServerFactory();
        using var client = factory.CreateClient();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/health");

        body.EnumerateObject().Select(p => p.Name).ShouldBe(["status"]);
        body.GetProperty("status").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheHealthEndpoints()
    {
        await using var factory = new ServerFactory();
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldContain("/health");
        paths.ShouldContain("/api/health");
    }
}
