using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;
using ProxyKit.Windows.Internal;
using ProxyKit.Windows.Tests.Support;

namespace ProxyKit.Windows.Tests.Internal;

public sealed class FirewallHostCheckProviderTests
{
    [Theory]
    [InlineData("Allow", false, HostCheckStatus.Ok, "no rule is needed")]
    [InlineData("Block", true, HostCheckStatus.Ok, "is added at start")]
    [InlineData("Block", false, HostCheckStatus.Fail, "ManageFirewallRule is off")]
    public async Task OutboundDefault_AndTheSetting_DecideTheFinding(string outbound, bool manage, HostCheckStatus status, string detail)
    {
        var firewall = new FakeWindowsFirewall(new FirewallProfile("Domain", "Allow", true), new FirewallProfile("Public", outbound, true));
        var provider = new FirewallHostCheckProvider(firewall, Options.Create(new WindowsOptions { ManageFirewallRule = manage }));

        var check = (await provider.RunAsync()).Single();

        check.Name.ShouldBe("firewall_outbound");
        check.Status.ShouldBe(status);
        check.Detail.ShouldContain(detail);
        check.Detail.ShouldContain($"Public={outbound}");
    }

    [Fact]
    public async Task BlockOnADisabledProfile_IsNotABlock()
    {
        var firewall = new FakeWindowsFirewall(new FirewallProfile("Public", "Block", false));
        var provider = new FirewallHostCheckProvider(firewall, Options.Create(new WindowsOptions()));

        (await provider.RunAsync()).Single().Status.ShouldBe(HostCheckStatus.Ok);
    }
}
