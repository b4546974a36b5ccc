using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

public sealed class ProxyFieldsTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData(" 0.0.0.0 ", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("[2001:db8::1]", "2001:db8::1")]
    [InlineData("::FFFF:192.0.2.1", "::ffff:192.0.2.1")]
    [InlineData("::", "::")]
    public void TryNormalizeIp_Valid_CanonicalText(string text, string expected)
    {
        ProxyFields.TryNormalizeIp(text, out var ip).ShouldBeTrue();
        ip.ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("256.0.0.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1..3.4")]
    [InlineData("1234.1.1.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[192.0.2.1]")]
    [InlineData("proxy.example")]
    public void TryNormalizeIp_Invalid_False(string text)
    {
        ProxyFields.TryNormalizeIp(text, out var ip).ShouldBeFalse();
        ip.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("HTTP", "http")]
    [InlineData(" https ", "https")]
    [InlineData("Socks4A", "socks4")]
    [InlineData("socks5h", "socks5")]
    public void TryNormalizeScheme_Known_Normalised(string scheme, string expected)
    {
        ProxyFields.TryNormalizeScheme(scheme, out var protocol).ShouldBeTrue();
        protocol.ShouldBe(expected);
    }

    [Theory]
    [InlineData("ftp")]
    [InlineData("sock5")]
    [InlineData("")]
    public void TryNormalizeScheme_Unknown_False(string scheme)
    {
        ProxyFields.TryNormalizeScheme(scheme, out var protocol).ShouldBeFalse();
        protocol.ShouldBeEmpty();
    }
}
