namespace ProxyKit.Server.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Start_InvalidSqliteConnectionString_ExitsNamingTheSetting()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(("ProxyKit:Sqlite:ConnectionString", "Data Source=:memory:"));

        exitCode.ShouldNotBe(0);
        output.ShouldContain("ProxyKit:Sqlite:ConnectionString");
    }

    [Fact]
    public async Task Start_InvalidPostgresConnectionString_ExitsNamingTheSettingButNotThePassword()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(("ProxyKit:Postgres:ConnectionString", "Host=127.0.0.1;Porrt=5432;Password=hunter2-secret"));

        exitCode.ShouldNotBe(0);
        output.ShouldContain("ProxyKit:Postgres:ConnectionString");
        output.ShouldNotContain("hunter2-secret");
    }

    [Fact]
    public async Task Start_MisspeltSection_ExitsNamingIt()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(("ProxyKit:Postgress:ConnectionString", "Host=x"));

        exitCode.ShouldNotBe(0);
        output.ShouldContain("ProxyKit:Postgress");
    }

    [Fact]
    public async Task Start_MisspeltKeyInAKnownSection_ExitsNamingIt()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(("ProxyKit:Pool:DefaultLeaseDurationn", "00:01:00"));

        exitCode.ShouldNotBe(0);
        output.ShouldContain("DefaultLeaseDurationn");
    }

    [Fact]
    public async Task Start_RelativeEchoUrl_ExitsNamingIt()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(("ProxyKit:InstanceTest:EchoUrl", "/api/echo/ip"));

        exitCode.ShouldNotBe(0);
        output.ShouldContain("ProxyKit:InstanceTest:EchoUrl");
    }

    [Fact]
    public async Task Start_BadInstancePrefix_ExitsNamingTheSetting()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(("ProxyKit:Instances:Prefixes:eth0", "2001:db8::1/64"));

        exitCode.ShouldNotBe(0);
        output.ShouldContain("ProxyKit:Instances:Prefixes:eth0");
    }
}
