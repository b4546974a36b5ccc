using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

/// <summary>Start, stop and drain, and the idle timeout.</summary>
public sealed class RelayListenerLifecycleTests
{
    [Fact]
    public async Task StopAsync_IdleTunnelOpen_ClosedAfterDrainTimeoutAndEverythingReleased()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.DrainTimeout = TimeSpan.FromMilliseconds(300));
        var port = relay.EndPoint.Port;
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);
        var clock = Stopwatch.StartNew();

        await relay.Listener.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));

        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250), "open tunnels get the drain timeout to finish");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        (await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(2))).Data.ShouldBeEmpty("the tunnel is closed once the drain timeout passes");
        relay.Stats.ConnectionsActive.ShouldBe(0);
        relay.Listener.IsRunning.ShouldBeFalse();
        using var rebind = new TcpListener(IPAddress.Loopback, port);
        Should.NotThrow(rebind.Start, "the listening port is free after StopAsync");
        rebind.Stop();
    }

    [Fact]
    public async Task StopAsync_TunnelEndsDuringDrain_ReturnsWithoutWaitingForDeadline()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.DrainTimeout = TimeSpan.FromSeconds(20));
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);
        var clock = Stopwatch.StartNew();

        var stopping = relay.Listener.StopAsync();
        await Task.Delay(100);
        stopping.IsCompleted.ShouldBeFalse("a live tunnel is allowed to finish");
        await socket.SendAllAsync("last words"u8.ToArray());
        (await socket.ReceiveExactAsync(10)).ShouldBe("last words"u8.ToArray(), "tunnels keep working while draining");
        socket.Shutdown(SocketShutdown.Send);
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        relay.Stats.ConnectionsActive.ShouldBe(0);
    }

    [Fact]
    public async Task StopAsync_Stopped_NewClientsRefused()
    {
        await using var relay = TestRelay.Start();
        var endPoint = relay.EndPoint;

        await relay.Listener.StopAsync();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = await Should.ThrowAsync<SocketException>(() => socket.ConnectAsync(endPoint));
        error.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
    }

    [Fact]
    public async Task StopAsync_ClientMidHandshake_ClosedByDrainDeadline()
    {
        await using var relay = TestRelay.Start(o =>
        {
            o.DrainTimeout = TimeSpan.FromMilliseconds(200);
            o.HandshakeTimeout = TimeSpan.FromSeconds(30);
        });
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(new byte[] { 0x05 });
        await Eventually.TrueAsync(() => relay.Stats.ConnectionsActive == 1, "the client is being served");

        await relay.Listener.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));

        (await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(2))).Data.ShouldBeEmpty();
        relay.Stats.ConnectionsActive.ShouldBe(0);
    }

    [Fact]
    public async Task StopAsync_NothingOpen_ReturnsPromptlyAndTwiceIsHarmless()
    {
        await using var relay = TestRelay.Start(o => o.DrainTimeout = TimeSpan.FromSeconds(20));
        var clock = Stopwatch.StartNew();

        await relay.Listener.StopAsync();
        await relay.Listener.StopAsync();
        await relay.Listener.DisposeAsync();

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        relay.Listener.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task Start_Twice_Throws()
    {
        await using var relay = TestRelay.Start();

        Should.Throw<InvalidOperationException>(relay.Listener.Start);
        relay.Listener.IsRunning.ShouldBeTrue();
    }

    [Fact]
    public async Task Start_PortInUse_ThrowsAndIsNotRunning()
    {
        await using var relay = TestRelay.Start();
        await using var second = RelayListener.Create(new RelayListenerOptions { ListenEndPoint = relay.EndPoint });

        Should.Throw<SocketException>(second.Start).SocketErrorCode.ShouldBe(SocketError.AddressAlreadyInUse);
        second.IsRunning.ShouldBeFalse();
        Should.Throw<InvalidOperationException>(second.Start, "a listener starts once");
    }

    [Fact]
    public void Create_InvalidOptions_ThrowNamingTheOption()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => RelayListener.Create(new RelayListenerOptions { MaxHandshakeBytes = 100 })).ParamName.ShouldBe("MaxHandshakeBytes");
        Should.Throw<ArgumentOutOfRangeException>(() => RelayListener.Create(new RelayListenerOptions { IdleTimeout = TimeSpan.Zero })).ParamName.ShouldBe("IdleTimeout");
        Should.Throw<ArgumentException>(() => new RelayCredentials("", "x")).ParamName.ShouldBe("username");
        Should.Throw<ArgumentOutOfRangeException>(() => RelayListener.Create(new RelayListenerOptions { BandwidthLimitBytesPerSecond = 10 }));
    }

    [Fact]
    public async Task IdleTimeout_SilentSocksTunnel_Closed()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);
        var clock = Stopwatch.StartNew();

        var read = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));

        read.Data.ShouldBeEmpty();
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(200));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task IdleTimeout_SilentConnectTunnel_Closed()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\n\r\n"));
        (await socket.ReceiveExactAsync(39)).Length.ShouldBe(39);

        (await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5))).Data.ShouldBeEmpty();
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task IdleTimeout_TunnelInUse_StaysOpenPastTheTimeout()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.IdleTimeout = TimeSpan.FromSeconds(1));
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);
        var clock = Stopwatch.StartNew();

        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(2.5); i++) // traffic every 100 ms for 2.5 idle timeouts
        {
            await Task.Delay(100);
            await socket.SendAllAsync(new[] { (byte)i });
            (await socket.ReceiveExactAsync(1))[0].ShouldBe((byte)i, $"the tunnel still relays after {clock.Elapsed}");
        }

        relay.Stats.ConnectionsActive.ShouldBe(1, "a tunnel that moves bytes is not idle");
    }

    [Fact]
    public async Task IdleTimeout_HttpKeepAliveBetweenRequests_Closed()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using var client = await RawHttpClient.ConnectAsync(relay);

        (await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\n\r\n")).StatusCode.ShouldBe(200);

        (await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5))).ShouldBeEmpty();
        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.ConnectionsFailed.ShouldBe(0, "a served keep-alive connection that idles out did not fail");
    }

    [Fact]
    public async Task HandshakeTimeout_TunnelOutlivesIt_KeepsRelayingAndNothingCounted()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(200));
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);

        await Task.Delay(500); // well past the handshake deadline

        await socket.SendAllAsync("later"u8.ToArray());
        (await socket.ReceiveExactAsync(5)).ShouldBe("later"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty();
        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.FailuresByReason.ShouldBeEmpty("a finished handshake is never a handshake timeout");
    }

    [Fact]
    public async Task HandshakeTimeout_KeepAliveRequestAfterIt_Served()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(200));
        using var client = await RawHttpClient.ConnectAsync(relay);

        (await client.SendAndReadAsync($"GET {server.Url("/first")} HTTP/1.1\r\n\r\n")).StatusCode.ShouldBe(200);
        await Task.Delay(500);
        var second = await client.SendAndReadAsync($"GET {server.Url("/second")} HTTP/1.1\r\n\r\n");

        second.BodyText.ShouldBe("hello /second", "later requests on a keep-alive connection are bound by the idle timeout, not the handshake timeout");
        relay.Stats.FailuresByReason.ShouldBeEmpty();
    }

    [Fact]
    public async Task BandwidthLimit_100KBps_CapsTunnelThroughput()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.BandwidthLimitBytesPerSecond = 100_000);
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);
        var payload = new byte[100_000];
        var clock = Stopwatch.StartNew();

        var reading = socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
        await socket.SendAllAsync(payload);
        socket.Shutdown(SocketShutdown.Send);
        var back = await reading;

        back.Data.Length.ShouldBe(payload.Length);
        // 200,000 bytes cross the relay (up and back); one second's worth is the burst, the rest waits for refill.
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(800));
    }
}
