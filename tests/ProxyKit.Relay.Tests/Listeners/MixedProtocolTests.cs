using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

public sealed class MixedProtocolTests
{
    [Fact]
    public async Task Mixed_OnePort_ServesSocks5AndHttpSideBySide()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Mixed);

        var (socks, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socks;
        using var http = await RawHttpClient.ConnectAsync(relay);
        var response = await http.SendAndReadAsync($"GET {server.Url("/mixed")} HTTP/1.1\r\n\r\n");
        using var connect = await relay.ConnectAsync();
        await connect.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\n\r\n"));

        reply.Code.ShouldBe((byte)0x00);
        await socks.SendAllAsync("socks"u8.ToArray());
        (await socks.ReceiveExactAsync(5)).ShouldBe("socks"u8.ToArray());
        response.BodyText.ShouldBe("hello /mixed");
        Encoding.ASCII.GetString(await connect.ReceiveExactAsync(39)).ShouldStartWith("HTTP/1.1 200 ");
        relay.Stats.ConnectionsAccepted.ShouldBe(3);
        relay.Stats.ConnectionsActive.ShouldBe(3);
    }

    [Fact]
    public async Task Socks5Only_HttpRequest_ClosedWithoutAnswer()
    {
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Socks5);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync("GET http://a.test/ HTTP/1.1\r\n\r\n"u8.ToArray());

        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty("an HTTP request is not a SOCKS5 greeting");
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task HttpOnly_Socks5Greeting_NotAnsweredAsSocks()
    {
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Http);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Socks5Client.Greeting(0x00));
        socket.Shutdown(SocketShutdown.Send);

        var read = await socket.ReceiveUntilClosedAsync();
        read.Data.ShouldNotBe(new byte[] { 0x05, 0x00 });
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task HttpOnly_HttpRequest_Served()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Http);
        using var http = await RawHttpClient.ConnectAsync(relay);

        (await http.SendAndReadAsync($"GET {server.Url("/only")} HTTP/1.1\r\n\r\n")).BodyText.ShouldBe("hello /only");
    }

    [Fact]
    public async Task Socks5Only_Socks5Connect_Served()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Socks5);

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
    }

    [Fact]
    public async Task Mixed_ListeningOnIPv6Loopback_ServesBoth()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.IPv6Loopback);
        await using var server = TestHttpServer.Start(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.ListenEndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 0));

        relay.EndPoint.Address.ShouldBe(IPAddress.IPv6Loopback);
        var (socks, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socks;
        using var http = await RawHttpClient.ConnectAsync(relay);

        reply.Code.ShouldBe((byte)0x00);
        (await http.SendAndReadAsync($"GET {server.Url("/v6")} HTTP/1.1\r\n\r\n")).BodyText.ShouldBe("hello /v6");
    }
}
