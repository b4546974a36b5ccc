namespace ProxyKit.Server.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Start_InvalidSqliteConnectionString_FailsNamingTheSetting()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Sqlite:ConnectionString", "Data Source=:memory:");

        var error = Should.Throw<Exception>(() => factory.CreateClient());

        error.ToString().ShouldContain("ProxyKit:Sqlite:ConnectionString");
    }

    [Fact]
    public async Task Start_InvalidPostgresConnectionString_FailsNamingTheSetting()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Postgres:ConnectionString", "Host=127.0.0.1;Porrt=5432");

        var error = Should.Throw<Exception>(() => factory.CreateClient());

        error.ToString().ShouldContain("ProxyKit:Postgres:ConnectionString");
    }

    [Fact]
    public async Task Start_MisspeltSection_FailsNamingIt()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Postgress:ConnectionString", "Host=x");

        var error = Should.Throw<Exception>(() => factory.CreateClient());

        error.ToString().ShouldContain("ProxyKit:Postgress");
    }

    [Fact]
    public async Task Start_MisspeltKeyInAKnownSection_FailsNamingIt()
    {
        await using var factory = new ServerFactory().With("ProxyKit:Pool:DefaultLeaseDurationn", "00:01:00");

        var error = Should.Throw<Exception>(() => factory.CreateClient());

        error.ToString().ShouldContain("DefaultLeaseDurationn");
    }
}
