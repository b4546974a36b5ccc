using System.Net;
using ProxyKit.Relay.Egress;

namespace ProxyKit.Relay.Tests.Egress;

public sealed class DestinationPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.251")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    public void IsAllowed_NonPublicByDefault_Denied(string address) =>
        new DestinationPolicy().IsAllowed(IPAddress.Parse(address), 443).ShouldBeFalse();

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void IsAllowed_Public_Allowed(string address) =>
        new DestinationPolicy().IsAllowed(IPAddress.Parse(address), 443).ShouldBeTrue();

    [Fact]
    public void IsAllowed_Port25_DeniedEvenWhenPrivateAllowed()
    {
        var policy = new DestinationPolicy { AllowPrivateNetworks = true };

        policy.IsAllowed(IPAddress.Parse("192.0.2.1"), 25).ShouldBeFalse();
        policy.IsAllowed(IPAddress.Loopback, 25).ShouldBeFalse();
        policy.IsAllowed(IPAddress.Loopback, 587).ShouldBeTrue();
    }

    [Fact]
    public void IsAllowed_AllowList_OpensOnlyItsNetworks()
    {
        var policy = new DestinationPolicy();
        policy.AllowedNetworks.Add(IPNetwork.Parse("::1/128"));
        policy.AllowedNetworks.Add(IPNetwork.Parse("10.1.0.0/16"));

        policy.IsAllowed(IPAddress.IPv6Loopback, 80).ShouldBeTrue();
        policy.IsAllowed(IPAddress.Parse("10.1.2.3"), 80).ShouldBeTrue();
        policy.IsAllowed(IPAddress.Parse("::ffff:10.1.2.3"), 80).ShouldBeTrue("IPv4-mapped addresses are judged as IPv4");
        policy.IsAllowed(IPAddress.Parse("10.2.0.1"), 80).ShouldBeFalse();
        policy.IsAllowed(IPAddress.Loopback, 80).ShouldBeFalse();
    }

    [Fact]
    public void IsAllowed_DeniedPortsEdited_Honoured()
    {
        var policy = new DestinationPolicy();
        policy.DeniedPorts.Add(6379);
        policy.DeniedPorts.Remove(25);

        policy.IsAllowed(IPAddress.Parse("192.0.2.1"), 6379).ShouldBeFalse();
        policy.IsAllowed(IPAddress.Parse("192.0.2.1"), 25).ShouldBeTrue();
    }
}
