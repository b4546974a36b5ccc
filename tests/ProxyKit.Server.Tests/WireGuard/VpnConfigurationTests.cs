namespace ProxyKit.Server.Tests.WireGuard;

/// <summary>Invalid WireGuard or VPN API settings stop the real server process at start, naming the setting.</summary>
public sealed class VpnConfigurationTests
{
    [Theory]
    [InlineData("ProxyKit:WireGuard:Servers:0:Subnet", "nonsense", "ProxyKit:WireGuard:Servers:0:Subnet")]
    [InlineData("ProxyKit:WireGuard:Servers:0:Capacity", "100000", "ProxyKit:WireGuard:Servers:0:Capacity")]
    [InlineData("ProxyKit:WireGuard:Servers:0:Port", "0", "ProxyKit:WireGuard:Servers:0:Port")]
    [InlineData("ProxyKit:WireGuard:Servers:0:PrivateKey", "not-a-key", "ProxyKit:WireGuard:Servers:0:PrivateKey")]
    [InlineData("ProxyKit:Server:VpnApi:ApiKey", "too-short", "ProxyKit:Server:VpnApi:ApiKey")]
    [InlineData("ProxyKit:Server:VpnApi:TrustedProxies:0", "not-an-ip", "ProxyKit:Server:VpnApi:TrustedProxies")]
    public async Task Start_InvalidSetting_ExitsNamingIt(string key, string value, string named)
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(
            ("ProxyKit:WireGuard:PeerSync", "InMemory"),
            ("ProxyKit:WireGuard:Servers:0:PublicIp", VpnHost.First),
            (key, value));

        exitCode.ShouldNotBe(0, output);
        output.ShouldContain(named, Case.Sensitive, output);
    }

    [Fact]
    public async Task Start_ServerWithoutPublicIp_ExitsNamingIt()
    {
        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(
            ("ProxyKit:WireGuard:PeerSync", "InMemory"),
            ("ProxyKit:WireGuard:Servers:0:Capacity", "5"));

        exitCode.ShouldNotBe(0, output);
        output.ShouldContain("ProxyKit:WireGuard:Servers:0:PublicIp", Case.Sensitive, output);
    }
}
