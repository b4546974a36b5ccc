using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Secrets;
using ProxyKit.Testing;
using static ProxyKit.WireGuard.Tests.Allocation.WireGuardHarness;

namespace ProxyKit.WireGuard.Tests.Allocation;

/// <summary>Settings that cannot work stop the host at start, naming the setting.</summary>
public sealed class WireGuardOptionsValidationTests
{
    [Fact]
    public Task ReturnExistingKey_WithoutKeepClientPrivateKeys_StartFails() =>
        StartFailsAsync(o =>
        {
            o.ReturnExistingKey = true;
            o.Servers.Add(Server());
        }, "ProxyKit:WireGuard:ReturnExistingKey needs ProxyKit:WireGuard:KeepClientPrivateKeys");

    [Fact]
    public Task AutoReleaseAfter_ShorterThanThreeKeepalives_StartFails() =>
        StartFailsAsync(o =>
        {
            o.AutoReleaseAfter = TimeSpan.FromSeconds(60); // 3 x 25 s = 75 s
            o.ReconcileInterval = TimeSpan.FromSeconds(10);
            o.Servers.Add(Server());
        }, "ProxyKit:WireGuard:AutoReleaseAfter (00:01:00) must be at least three keepalive intervals");

    [Fact]
    public Task ReconcileInterval_AboveHalfOfAutoReleaseAfter_StartFails() =>
        StartFailsAsync(o =>
        {
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.ReconcileInterval = TimeSpan.FromMinutes(6);
            o.Servers.Add(Server());
        }, "ProxyKit:WireGuard:ReconcileInterval");

    [Theory]
    [InlineData("10.8.0.0")]
    [InlineData("10.8.0.0/33")]
    [InlineData("not a subnet")]
    [InlineData("10.8.0.0/31")]
    public Task Subnet_Invalid_StartFails(string subnet) =>
        StartFailsAsync(o => o.Servers.Add(Server(subnet: subnet)), "ProxyKit:WireGuard:Servers:0:Subnet");

    [Theory]
    [InlineData("10.8.0.0/24", 254)]
    [InlineData("10.8.0.0/29", 6)]
    [InlineData("10.8.0.0/24", -1)]
    public Task Capacity_AboveTheSubnetsClientAddresses_StartFails(string subnet, int capacity) =>
        StartFailsAsync(o => o.Servers.Add(Server(subnet: subnet, capacity: capacity)), "ProxyKit:WireGuard:Servers:0:Capacity");

    [Fact]
    public Task PublicIp_Duplicate_StartFails() =>
        StartFailsAsync(o =>
        {
            o.Servers.Add(Server(ServerA, iface: InterfaceA));
            o.Servers.Add(Server(ServerA, iface: InterfaceB));
        }, "ProxyKit:WireGuard:Servers:1:PublicIp");

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 43 characters
    public Task ServerPrivateKey_NotAWireGuardKey_StartFails(string privateKey) =>
        StartFailsAsync(o => o.Servers.Add(Server(privateKey: privateKey)), "ProxyKit:WireGuard:Servers:0:PrivateKey");

    [Fact]
    public void ValidOptions_PassValidation()
    {
        using var provider = Services(o =>
        {
            o.KeepClientPrivateKeys = true;
            o.ReturnExistingKey = true;
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.ReconcileInterval = TimeSpan.FromMinutes(5);
            o.Servers.Add(Server(ServerA, capacity: 253, iface: InterfaceA));
            o.Servers.Add(Server(ServerB, subnet: "10.9.0.0/29", capacity: 5, iface: InterfaceB));
        }).BuildServiceProvider();

        provider.GetRequiredService<IOptions<WireGuardOptions>>().Value.Servers.Count.ShouldBe(2);
    }

    private static Task StartFailsAsync(Action<WireGuardOptions> configure, string expected) =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(services => Add(services, configure), expected);

    private static IServiceCollection Services(Action<WireGuardOptions> configure) => Add(new ServiceCollection(), configure);

    private static IServiceCollection Add(IServiceCollection services, Action<WireGuardOptions> configure)
    {
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = SecretKey);
        services.AddProxyKitWireGuard(configure);
        return services;
    }
}
