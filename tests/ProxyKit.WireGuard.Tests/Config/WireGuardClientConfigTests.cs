using System.Net;
using ProxyKit.WireGuard.Config;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.Tests.Config;

public sealed class WireGuardClientConfigTests
{
    // RFC 7748 section 6.1 keys, so the golden text is stable.
    private const string ClientPrivateBase64 = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
    private const string ServerPublicBase64 = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";

    // Documentation-style endpoint from the seed API's example; never contacted.
    private static WireGuardClientConfig Seed() => new(
        WireGuardPrivateKey.Parse(ClientPrivateBase64),
        IPAddress.Parse("10.8.0.10"),
        24,
        [IPAddress.Parse("1.1.1.1"), IPAddress.Parse("8.8.8.8")],
        WireGuardPublicKey.Parse(ServerPublicBase64),
        "123.123.123.123",
        55555,
        [IPNetwork.Parse("0.0.0.0/0")],
        25);

    [Fact]
    public void Render_SeedExample_MatchesSeedFormat() =>
        Seed().Render().ShouldBe(
            "[Interface]\n" +
            "PrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n" +
            "Address = 10.8.0.10/24\n" +
            "DNS = 1.1.1.1, 8.8.8.8\n" +
            "\n" +
            "[Peer]\n" +
            "PublicKey = 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\n" +
            "Endpoint = 123.123.123.123:55555\n" +
            "AllowedIPs = 0.0.0.0/0\n" +
            "PersistentKeepalive = 25\n");

    [Fact]
    public void Render_NoDnsNoKeepalive_OmitsThoseLines() =>
        (Seed() with { Dns = [], PersistentKeepaliveSeconds = 0, EndpointHost = "vpn.example.com" }).Render().ShouldBe(
            "[Interface]\n" +
            "PrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n" +
            "Address = 10.8.0.10/24\n" +
            "\n" +
            "[Peer]\n" +
            "PublicKey = 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\n" +
            "Endpoint = vpn.example.com:55555\n" +
            "AllowedIPs = 0.0.0.0/0\n");

    [Theory]
    [InlineData("2001:db8::1")]
    [InlineData("[2001:db8::1]")]
    [InlineData("2001:0db8:0000::0001")]
    public void Render_Ipv6Endpoint_IsBracketed(string host) =>
        (Seed() with { EndpointHost = host, Address = IPAddress.Parse("fd00::10"), PrefixLength = 64, Dns = [IPAddress.Parse("2606:4700:4700::1111")] })
            .Render().ShouldBe(
                "[Interface]\n" +
                "PrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n" +
                "Address = fd00::10/64\n" +
                "DNS = 2606:4700:4700::1111\n" +
                "\n" +
                "[Peer]\n" +
                "PublicKey = 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\n" +
                "Endpoint = [2001:db8::1]:55555\n" +
                "AllowedIPs = 0.0.0.0/0\n" +
                "PersistentKeepalive = 25\n");

    [Fact]
    public void Render_TwoAllowedIps_AreCommaJoined() =>
        (Seed() with { AllowedIps = [IPNetwork.Parse("10.8.0.0/24"), IPNetwork.Parse("::/0")] }).Render().ShouldBe(
            "[Interface]\n" +
            "PrivateKey = dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n" +
            "Address = 10.8.0.10/24\n" +
            "DNS = 1.1.1.1, 8.8.8.8\n" +
            "\n" +
            "[Peer]\n" +
            "PublicKey = 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\n" +
            "Endpoint = 123.123.123.123:55555\n" +
            "AllowedIPs = 10.8.0.0/24, ::/0\n" +
            "PersistentKeepalive = 25\n");

    [Fact]
    public void ToQrPng_IsPng()
    {
        var png = Seed().ToQrPng();

        png.Length.ShouldBeGreaterThan(500);
        png[..4].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47 });
    }

    [Fact]
    public void ToQrSvg_IsSvg()
    {
        var svg = Seed().ToQrSvg();

        (svg.StartsWith("<svg", StringComparison.Ordinal) || svg.StartsWith("<?xml", StringComparison.Ordinal)).ShouldBeTrue(svg[..Math.Min(40, svg.Length)]);
        svg.ShouldContain("</svg>");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void ToQr_PixelsPerModuleOutOfRange_Throws(int pixels)
    {
        Should.Throw<ArgumentException>(() => Seed().ToQrPng(pixels));
        Should.Throw<ArgumentException>(() => Seed().ToQrSvg(pixels));
    }

    [Fact]
    public void ToString_HasNoPrivateKey()
    {
        var config = Seed();

        var text = config.ToString();

        text.ShouldNotContain(ClientPrivateBase64);
        text.ShouldNotContain(config.PrivateKey.ToHex());
        text.ShouldContain("10.8.0.10/24");
        text.ShouldContain("123.123.123.123:55555");
    }

    public static TheoryData<string, Func<WireGuardClientConfig, WireGuardClientConfig>> Invalid => new()
    {
        { "port 0", c => c with { EndpointPort = 0 } },
        { "port 65536", c => c with { EndpointPort = 65536 } },
        { "IPv4 prefix 33", c => c with { PrefixLength = 33 } },
        { "negative prefix", c => c with { PrefixLength = -1 } },
        { "IPv6 prefix 129", c => c with { Address = IPAddress.IPv6Loopback, PrefixLength = 129 } },
        { "no allowed IPs", c => c with { AllowedIps = [] } },
        { "negative keepalive", c => c with { PersistentKeepaliveSeconds = -1 } },
        { "empty host", c => c with { EndpointHost = "" } },
        { "host with newline", c => c with { EndpointHost = "vpn.example.com\nPostUp = rm -rf /" } },
        { "host with space", c => c with { EndpointHost = "vpn example" } },
        { "unset private key", c => c with { PrivateKey = default } },
        { "unset server key", c => c with { ServerPublicKey = default } },
        { "null DNS entry", c => c with { Dns = [null!] } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Render_InvalidInput_ThrowsArgumentException(string because, Func<WireGuardClientConfig, WireGuardClientConfig> mutate)
    {
        var config = mutate(Seed());

        Should.Throw<ArgumentException>(config.Render, because);
        Should.Throw<ArgumentException>(() => config.ToQrPng(), because);
    }
}
