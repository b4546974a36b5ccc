using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Socks5;

public sealed class Socks5ConnectTests
{
    [Fact]
    public async Task Connect_IPv4Literal_TunnelsAndReplyCarriesUpstreamLocalEndPoint()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
        reply.AddressType.ShouldBe((byte)0x01);
        await AssertEchoesAsync(socket);
        echo.Remotes.ShouldHaveSingleItem().ShouldBe(reply.Bound, "BND.ADDR/BND.PORT is the upstream socket's local endpoint as the target saw it");
    }

    [Fact]
    public async Task Connect_IPv6Literal_UnderIPv6Only_TunnelsAndReplyCarriesUpstreamLocalEndPoint()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
        reply.AddressType.ShouldBe((byte)0x04);
        await AssertEchoesAsync(socket);
        echo.Remotes.ShouldHaveSingleItem().ShouldBe(reply.Bound);
    }

    [Fact]
    public async Task Connect_DomainName_ResolvedThroughResolverForAaaaOnly()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.IPv6Loopback);
        var dns = new StaticDnsResolver().Add("echo.test", IPAddress.Loopback, IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only, dns: dns);

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, "echo.test", echo.EndPoint.Port));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
        await AssertEchoesAsync(socket);
        dns.Queries.ShouldBe([("echo.test", AddressFamily.InterNetworkV6)]);
        echo.Remotes.ShouldHaveSingleItem().ShouldBe(reply.Bound);
    }

    [Fact]
    public async Task Connect_DomainName_DualStackFallsBackToIPv4WhenIPv6Refused()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback); // nothing listens on [::1] at this port
        var dns = new StaticDnsResolver().Add("both.test", IPAddress.IPv6Loopback, IPAddress.Loopback);
        await using var relay = TestRelay.Start(dns: dns);

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, "both.test", echo.EndPoint.Port));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
        reply.Bound.Address.ShouldBe(IPAddress.Loopback);
        await AssertEchoesAsync(socket);
    }

    [Fact]
    public async Task Connect_DataSentWithTheRequest_ForwardedAfterTheReply()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();

        // Greeting, request and payload in one write, as optimistic clients do.
        await socket.SendAllAsync((byte[])[.. Socks5Client.Greeting(0x00), .. Socks5Client.Request(Socks5Client.Connect, echo.EndPoint), .. "early"u8]);

        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x00 });
        (await Socks5Client.ReadReplyAsync(socket)).Code.ShouldBe((byte)0x00);
        (await socket.ReceiveExactAsync(5)).ShouldBe("early"u8.ToArray());
    }

    [Fact]
    public async Task Connect_OneMegabyteBothWays_RelayedIntact()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);
        var payload = new byte[1024 * 1024];
        new Random(7).NextBytes(payload);

        var reading = socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        await socket.SendAllAsync(payload);
        socket.Shutdown(SocketShutdown.Send);
        var back = await reading;

        back.Reset.ShouldBeFalse();
        back.Data.Length.ShouldBe(payload.Length);
        back.Data.AsSpan().SequenceEqual(payload).ShouldBeTrue();
        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.BytesSent.ShouldBe(payload.Length);
        relay.Stats.BytesReceived.ShouldBe(payload.Length);
    }

    [Fact]
    public async Task Connect_TargetClosesFirst_ClientSeesEndOfStreamAndCanStillSend()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var target = TcpTestServer.Start(IPAddress.Loopback, async (s, ct) =>
        {
            await s.SendAllAsync("bye"u8.ToArray(), ct);
            s.Shutdown(SocketShutdown.Send); // half-close: the target still listens
            var rest = new byte[64];
            var n = await s.ReceiveAsync(rest, SocketFlags.None, ct);
            received.TrySetResult(Encoding.ASCII.GetString(rest, 0, n));
        });
        await using var relay = TestRelay.Start();
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, target.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);

        (await socket.ReceiveExactAsync(3)).ShouldBe("bye"u8.ToArray());
        (await socket.ReceiveAsync(new byte[1], SocketFlags.None)).ShouldBe(0, "the target's half-close is forwarded");
        await socket.SendAllAsync("after"u8.ToArray());

        (await received.Task.WaitAsync(TimeSpan.FromSeconds(5))).ShouldBe("after");
    }

    private static async Task AssertEchoesAsync(Socket socket)
    {
        await socket.SendAllAsync("ping"u8.ToArray());
        (await socket.ReceiveExactAsync(4)).ShouldBe("ping"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        var rest = await socket.ReceiveUntilClosedAsync();
        rest.Data.ShouldBeEmpty();
        rest.Reset.ShouldBeFalse("a half-close travels through and the target's close comes back cleanly");
    }
}
