using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Egress;

/// <summary>Upstream connections leave from the listener's egress address, as the target sees it.</summary>
public sealed class EgressBindingTests
{
    private const string NotRoot = "Needs root: the test adds documentation-prefix (2001:db8::/32) addresses to lo with `ip -6 addr add`.";

    [Fact]
    public async Task StickyIPv4_Loopback2_TargetSeesEgressAddress()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv4Only;
            o.Egress.Address = IPAddress.Parse("127.0.0.2");
        });
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/source")} HTTP/1.1\r\n\r\n");

        response.BodyText.ShouldBe("127.0.0.2");
    }

    [Fact]
    public async Task StickyIPv4_Socks5Connect_ReplyCarriesEgressAddress()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv4Only;
            o.Egress.Address = IPAddress.Parse("127.0.0.2");
        });

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
        reply.Bound.Address.ShouldBe(IPAddress.Parse("127.0.0.2"));
        await Eventually.TrueAsync(() => echo.Remotes.Count == 1, "the target accepted the upstream connection"); // connect completes before accept
        echo.Remotes.ShouldHaveSingleItem().ShouldBe(reply.Bound);
    }

    [Fact]
    public async Task StickyIPv6_Loopback_TargetSeesEgressAddress()
    {
        await using var server = TestHttpServer.Start(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv6Only;
            o.Egress.Address = IPAddress.IPv6Loopback;
        });
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/source")} HTTP/1.1\r\n\r\n");

        response.BodyText.ShouldBe("::1");
    }

    [Fact]
    public async Task StickyIPv4Egress_IPv6Target_Reply08()
    {
        await using var relay = TestRelay.Start(o => o.Egress.Address = IPAddress.Parse("127.0.0.2"));

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.IPv6Loopback, 80)));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x08, "an IPv4 source address cannot reach an IPv6 target");
    }

    [Fact]
    public async Task StickyEgress_NameWithBothFamilies_UsesEgressFamilyOnly()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        var dns = new StaticDnsResolver().Add("dual.test", IPAddress.IPv6Loopback, IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Address = IPAddress.Parse("127.0.0.3"), dns: dns);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET http://dual.test:{server.Port}/source HTTP/1.1\r\n\r\n");

        response.BodyText.ShouldBe("127.0.0.3");
    }

    [Fact]
    public async Task StickyEgress_AddressNotOnHost_GeneralFailure()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv4Only;
            o.Egress.Address = IPAddress.Parse("192.0.2.99"); // TEST-NET-1: assigned to no interface here
        });

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        using var http = await RawHttpClient.ConnectAsync(relay);
        var response = await http.SendAndReadAsync($"GET http://{echo.EndPoint}/ HTTP/1.1\r\n\r\n");

        reply.Code.ShouldBe((byte)0x01);
        response.StatusCode.ShouldBe(502);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=destination_unavailable");
        echo.Remotes.ShouldBeEmpty();
    }

    [Fact]
    public async Task UdpAssociation_StickyEgress_TargetSeesEgressAddress()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv4Only;
            o.Egress.Address = IPAddress.Parse("127.0.0.2");
        });
        var (control, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.UdpAssociate, new IPEndPoint(IPAddress.Any, 0)));
        using var _ = control;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "u"u8.ToArray()), reply.Bound);
        var buffer = new byte[512];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);

        echo.Senders.ShouldHaveSingleItem().Address.ShouldBe(IPAddress.Parse("127.0.0.2"));
    }

    [SkippableFact]
    public async Task StickyEgress_DocumentationAddressOnLo_TargetSeesIt()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), NotRoot);
        await using var lease = HostAddresses.CreateLease();
        var egress = lease.Address(0x10);
        var targetAddress = lease.Address(0x20);
        await lease.AddAsync(egress);
        await lease.AddAsync(targetAddress);
        await using var server = TestHttpServer.Start(targetAddress);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv6Only;
            o.Egress.Address = egress;
            o.Destinations.AllowedNetworks.Clear(); // 2001:db8::/32 is not a private range: the default policy allows it
        });
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/source")} HTTP/1.1\r\n\r\n");
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, server.EndPoint));
        using var _ = socket;

        response.BodyText.ShouldBe(egress.ToString());
        reply.Code.ShouldBe((byte)0x00);
        reply.Bound.Address.ShouldBe(egress);
    }

    [SkippableFact]
    public async Task RotatingPrefix_SeveralConnections_EachFromAFreshAddressInThePrefix()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), NotRoot);
        await using var lease = HostAddresses.CreateLease();
        var targetAddress = lease.Address(0x20);
        await lease.AddAsync(targetAddress);
        var rotating = lease.SubPrefix(1);
        rotating.Contains(targetAddress).ShouldBeFalse();
        await lease.RouteLocalAsync(rotating);
        await using var server = TestHttpServer.Start(targetAddress);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv6Only;
            o.Egress.RotatingPrefix = rotating;
        });

        var sources = new List<IPAddress>();
        for (var i = 0; i < 4; i++)
        {
            using var client = await RawHttpClient.ConnectAsync(relay);
            var response = await client.SendAndReadAsync($"GET {server.Url("/source")} HTTP/1.1\r\nConnection: close\r\n\r\n");
            sources.Add(IPAddress.Parse(response.BodyText));
        }

        sources.ShouldAllBe(a => rotating.Contains(a));
        sources.Distinct().Count().ShouldBe(4, "each upstream connection takes a fresh random address of the prefix");
    }
}
