using System.Net;
using ProxyKit.Pool.Fetching;

namespace ProxyKit.Pool.Tests.Fetching;

public sealed class AddressPolicyTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("100.100.100.200")] // Alibaba metadata (CGNAT range)
    [InlineData("192.0.0.192")] // Oracle metadata (IETF protocol assignments)
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fec0::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456:789a::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 of 169.254.169.254
    [InlineData("2002:c0a8:0101::1")] // 6to4 of 192.168.1.1
    public void IsInternal_InternalAddresses_True(string address) =>
        AddressPolicy.IsInternal(IPAddress.Parse(address)).ShouldBeTrue();

    [Theory]
    [InlineData("1.1.1.1")]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("192.167.1.1")]
    [InlineData("192.0.2.1")] // documentation range: not routed, but not internal either
    [InlineData("198.20.0.1")]
    [InlineData("223.255.255.255")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:0808:0808::1")]
    [InlineData("fbff::1")]
    public void IsInternal_PublicAddresses_False(string address) =>
        AddressPolicy.IsInternal(IPAddress.Parse(address)).ShouldBeFalse();
}
