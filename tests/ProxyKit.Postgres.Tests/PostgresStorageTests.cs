using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Storage;
using ProxyKit.Testing;

namespace ProxyKit.Postgres.Tests;

public sealed class PostgresStorageTests
{
    [Theory]
    [InlineData("", "is required")]
    [InlineData("Database=proxykit", "names no Host")]
    [InlineData("Host=127.0.0.1;Porrt=5432", "not a valid Npgsql connection string")]
    public void CreateDatabase_BadConnectionString_FailsNamingTheSetting(string connectionString, string reason)
    {
        var error = Should.Throw<ProxyKitException>(() => PostgresStorage.CreateDatabase(connectionString));

        error.Message.ShouldContain(PostgresStorageOptions.ConnectionStringSetting);
        error.Message.ShouldContain(reason);
    }

    [Fact]
    public async Task Host_MissingConnectionString_FailsAtStartNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitStorage().UsePostgres(_ => { });
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(PostgresStorageOptions.ConnectionStringSetting);
    }

    [Fact]
    public async Task Host_NothingListensAtTheAddress_FailsAtStartNamingTheSettingButNotThePassword()
    {
        var port = TestNetwork.UnusedLoopbackPort();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitStorage().UsePostgres($"Host=127.0.0.1;Port={port};Username=u;Password=hunter2-secret;Timeout=3");
        using var host = builder.Build();

        var error = await Should.ThrowAsync<ProxyKitException>(() => host.StartAsync());

        error.IsTransient.ShouldBeTrue();
        error.Message.ShouldContain(PostgresStorageOptions.ConnectionStringSetting);
        error.ToString().ShouldNotContain("hunter2-secret");
    }

    [SkippableFact]
    public async Task Host_RealServer_StartsAppliesHistoryTableAndPings()
    {
        await using var test = await Testing.Storage.TestDatabase.CreateAsync(Testing.Storage.TestEngine.Postgres);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitStorage().UsePostgres(test.ConnectionString);
        using var host = builder.Build();

        await host.StartAsync();
        var database = host.Services.GetRequiredService<ProxyKitDatabase>();
        (await database.PingAsync()).ShouldBeTrue();
        database.Dialect.SupportsSkipLocked.ShouldBeTrue();
        await host.StopAsync();
    }

    [Fact]
    public void UsePostgres_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitStorage().UsePostgres());
}
