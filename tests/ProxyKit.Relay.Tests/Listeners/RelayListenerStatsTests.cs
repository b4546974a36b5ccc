using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;
using ProxyKit.Testing;

namespace ProxyKit.Relay.Tests.Listeners;

public sealed class RelayListenerStatsTests
{
    /// <summary>A target that reads exactly 100 bytes, answers with 250, then closes: the two directions differ.</summary>
    private static TcpTestServer Asymmetric() => TcpTestServer.Start(IPAddress.Loopback, async (s, ct) =>
    {
        var buffer = new byte[100];
        var read = 0;
        while (read < 100)
        {
            var n = await s.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            if (n == 0)
            {
                return;
            }

            read += n;
        }

        await s.SendAllAsync(new byte[250], ct);
        s.Shutdown(SocketShutdown.Both);
    });

    [Fact]
    public async Task Bytes_SocksTunnel_SentIsClientToTargetAndReceivedIsTargetToClient()
    {
        await using var target = Asymmetric();
        await using var relay = TestRelay.Start();
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, target.EndPoint));
        using var _ = socket;
        reply.Code.ShouldBe((byte)0x00);

        await socket.SendAllAsync(new byte[100]);
        (await socket.ReceiveExactAsync(250)).Length.ShouldBe(250);
        socket.Shutdown(SocketShutdown.Send);
        await socket.ReceiveUntilClosedAsync();
        await relay.WaitForNoActiveConnectionsAsync();

        var stats = relay.Stats;
        stats.BytesSent.ShouldBe(100, "client to target; handshake bytes are not relayed bytes");
        stats.BytesReceived.ShouldBe(250, "target to client");
        stats.ConnectionsAccepted.ShouldBe(1);
        stats.ConnectionsFailed.ShouldBe(0);
        stats.FailuresByReason.ShouldBeEmpty();
    }

    [Fact]
    public async Task Bytes_HttpConnectTunnel_CountedByDirection()
    {
        await using var target = Asymmetric();
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {target.EndPoint} HTTP/1.1\r\n\r\n"));
        await socket.ReceiveExactAsync(39);

        await socket.SendAllAsync(new byte[100]);
        await socket.ReceiveExactAsync(250);
        socket.Shutdown(SocketShutdown.Send);
        await socket.ReceiveUntilClosedAsync();
        await relay.WaitForNoActiveConnectionsAsync();

        relay.Stats.BytesSent.ShouldBe(100);
        relay.Stats.BytesReceived.ShouldBe(250);
    }

    [Fact]
    public async Task Bytes_HttpForward_CountWhatCrossedEachWay()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"POST {server.Url("/echo")} HTTP/1.1\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{new string('b', 1000)}"));

        var response = await socket.ReceiveUntilClosedAsync();
        await relay.WaitForNoActiveConnectionsAsync();

        var seen = server.Requests.ShouldHaveSingleItem();
        relay.Stats.BytesSent.ShouldBe(seen.Head.Raw.Length + seen.RawBody.Length, "the forwarded head and body, as the target received them");
        relay.Stats.BytesReceived.ShouldBe(response.Data.Length, "the response head and body, as the client received them");
    }

    [Fact]
    public async Task Counters_MixedOutcomes_AcceptedFailedAndReasons()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = new RelayCredentials("u", "p"));

        // 1 tunnel
        using (var ok = await relay.ConnectAsync())
        {
            await ok.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n"));
            await ok.ReceiveExactAsync(39);
        }

        // 2 authentication failures
        foreach (var _ in Enumerable.Range(0, 2))
        {
            using var bad = await relay.ConnectAsync();
            await bad.SendAllAsync("GET http://a.test/ HTTP/1.1\r\n\r\n"u8.ToArray());
            await bad.ReceiveUntilClosedAsync();
        }

        // 1 bad handshake
        using (var garbage = await relay.ConnectAsync())
        {
            await garbage.SendAllAsync(new byte[] { 0x05, 0x00 });
            await garbage.ReceiveUntilClosedAsync();
        }

        // 1 refused
        using (var refused = await relay.ConnectAsync())
        {
            await refused.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{closed} HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n"));
            await refused.ReceiveUntilClosedAsync();
        }

        await relay.WaitForNoActiveConnectionsAsync();
        var stats = relay.Stats;
        stats.ConnectionsAccepted.ShouldBe(5);
        stats.ConnectionsFailed.ShouldBe(4);
        stats.FailuresByReason.ShouldBe(
            [
                KeyValuePair.Create(RelayFailureReason.AuthenticationFailed, 2L),
                KeyValuePair.Create(RelayFailureReason.BadHandshake, 1L),
                KeyValuePair.Create(RelayFailureReason.Unreachable, 1L),
            ],
            ignoreOrder: true);
    }

    [Fact]
    public async Task ConnectionsActive_OpenTunnels_CountedAndReturnToZero()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        var tunnels = new List<Socket>();
        for (var i = 0; i < 3; i++)
        {
            var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
            reply.Code.ShouldBe((byte)0x00);
            tunnels.Add(socket);
        }

        relay.Stats.ConnectionsActive.ShouldBe(3);
        foreach (var socket in tunnels)
        {
            socket.Dispose();
        }

        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.ConnectionsAccepted.ShouldBe(3);
    }

    [Fact]
    public async Task GetStats_ManualClock_UptimeAndLastActivityFollowIt()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var relay = TestRelay.Start(o => o.HandshakeTimeout = TimeSpan.FromMinutes(5), timeProvider: clock);

        relay.Stats.LastActivity.ShouldBeNull("nothing happened yet");
        relay.Stats.Uptime.ShouldBe(TimeSpan.Zero);
        clock.Advance(TimeSpan.FromSeconds(42));
        relay.Stats.Uptime.ShouldBe(TimeSpan.FromSeconds(42));

        using (await relay.ConnectAsync())
        {
            await Eventually.TrueAsync(() => relay.Stats.ConnectionsAccepted == 1, "the connection is accepted");
        }

        relay.Stats.LastActivity.ShouldBe(new DateTimeOffset(2026, 3, 1, 12, 0, 42, TimeSpan.Zero));
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task ConnectionClosed_ReportsEachConnectionsTargetBytesAndOutcome()
    {
        var records = new System.Collections.Concurrent.ConcurrentQueue<RelayConnectionRecord>();
        await using var target = Asymmetric();
        await using var relay = TestRelay.Start(o => o.ConnectionClosed = records.Enqueue);
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, target.EndPoint));
        using (socket)
        {
            reply.Code.ShouldBe((byte)0x00);
            await socket.SendAllAsync(new byte[100]);
            await socket.ReceiveExactAsync(250);
            socket.Shutdown(SocketShutdown.Send);
            await socket.ReceiveUntilClosedAsync();
        }

        using (var garbage = await relay.ConnectAsync())
        {
            await garbage.SendAllAsync(Encoding.ASCII.GetBytes("\x16\x03 not a proxy handshake\r\n\r\n"));
            await garbage.ReceiveUntilClosedAsync();
        }

        await relay.WaitForNoActiveConnectionsAsync();
        await Eventually.TrueAsync(() => records.Count == 2, "both connections reported");

        var served = records.Single(r => r.Failure is null);
        served.Target.ShouldBe(target.EndPoint.ToString());
        served.BytesSent.ShouldBe(100);
        served.BytesReceived.ShouldBe(250);
        served.Client!.Address.ShouldBe(IPAddress.Loopback);
        served.Duration.ShouldBeGreaterThan(TimeSpan.Zero);
        var refused = records.Single(r => r.Failure is not null);
        refused.Failure.ShouldBe(RelayFailureReason.BadHandshake);
        refused.Target.ShouldBeNull();
    }

    [Fact]
    public async Task ConnectionClosed_ACallbackThatThrows_IsLoggedAndTheListenerKeepsServing()
    {
        await using var target = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.ConnectionClosed = _ => throw new InvalidOperationException("observer bug"));

        for (var i = 0; i < 2; i++)
        {
            var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, target.EndPoint));
            socket.Dispose();
            reply.Code.ShouldBe((byte)0x00);
        }

        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.ConnectionsAccepted.ShouldBe(2);
        await Eventually.TrueAsync(() => relay.Logs.Entries.Count(e => e.EventId.Id == 2005) == 2, "each throw logged");
    }
}
