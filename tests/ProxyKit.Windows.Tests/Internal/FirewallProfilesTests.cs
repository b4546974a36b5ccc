using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows.Tests.Internal;

public sealed class FirewallProfilesTests
{
    [Fact]
    public void Parse_QueryOutput_ReadsEveryProfile()
    {
        var profiles = FirewallProfiles.Parse("Domain=Allow=True\r\nPrivate=Block=True\r\nPublic=NotConfigured=False\r\n");

        profiles.ShouldBe([
            new FirewallProfile("Domain", "Allow", true),
            new FirewallProfile("Private", "Block", true),
            new FirewallProfile("Public", "NotConfigured", false),
        ]);
    }

    [Fact]
    public void Parse_NameEqualsActionLines_CountAsEnabled() =>
        FirewallProfiles.Parse("Domain=Allow\nPublic=Block\n").ShouldBe([
            new FirewallProfile("Domain", "Allow", true),
            new FirewallProfile("Public", "Block", true),
        ]);

    [Fact]
    public void Parse_NoiseAroundTheLines_IsSkipped() =>
        FirewallProfiles.Parse("\r\nWARNING: something=odd\r\n=Block\r\nPublic=\r\nPublic=Block=True=x\r\n  Private=Block=True  \r\n")
            .ShouldBe([new FirewallProfile("Private", "Block", true)]);

    [Theory]
    [InlineData("Domain=Allow=True\nPrivate=Allow=True\nPublic=Allow=True", false)]
    [InlineData("Domain=NotConfigured=True\nPrivate=NotConfigured=True\nPublic=NotConfigured=True", false)]
    [InlineData("Domain=Allow=True\nPrivate=Allow=True\nPublic=Block=True", true)]
    [InlineData("Domain=block=True", true)]
    [InlineData("Domain=Block=False\nPrivate=Allow=True", false)]
    [InlineData("", false)]
    public void BlocksOutbound_OnlyWhenAnEnabledProfileBlocksByDefault(string output, bool expected) =>
        FirewallProfiles.BlocksOutbound(FirewallProfiles.Parse(output)).ShouldBe(expected);

    [Fact]
    public void Describe_ListsProfilesForTheLog() =>
        FirewallProfiles.Describe(FirewallProfiles.Parse("Domain=Allow=True\nPublic=Block=False")).ShouldBe("Domain=Allow, Public=Block (disabled)");

    [Fact]
    public void EnsureRuleScript_ReadsTheProgramFromTheEnvironment_NeverSplicedIn()
    {
        FirewallProfiles.EnsureRuleScript.ShouldContain("$env:" + FirewallProfiles.ProgramVariable);
        FirewallProfiles.EnsureRuleScript.ShouldContain("New-NetFirewallRule -DisplayName 'Allow IPv6 Outbound Proxy' -Direction Outbound -Action Allow -Program $program");
        FirewallProfiles.EnsureRuleScript.ShouldContain("Get-NetFirewallRule -DisplayName 'Allow IPv6 Outbound Proxy'");
    }

    [Fact]
    public void QueryScript_ReadsThePolicyInForce() =>
        FirewallProfiles.QueryScript.ShouldStartWith("Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object { $_.Name + '=' + $_.DefaultOutboundAction");
}
