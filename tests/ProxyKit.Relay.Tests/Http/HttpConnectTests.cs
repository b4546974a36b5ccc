using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Http;

public sealed class HttpConnectTests
{
    private const string Established = "HTTP/1.1 200 Connection established\r\n\r\n";

    [Fact]
    public async Task Connect_IPv4Target_200ThenTunnel()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\nHost: {echo.EndPoint}\r\n\r\n"));

        Encoding.ASCII.GetString(await socket.ReceiveExactAsync(Established.Length)).ShouldBe(Established);
        await socket.SendAllAsync("tunnel"u8.ToArray());
        (await socket.ReceiveExactAsync(6)).ShouldBe("tunnel"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);
        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty();
        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.ConnectionsFailed.ShouldBe(0);
    }

    [Fact]
    public async Task Connect_IPv6Literal_200ThenTunnel()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT [::1]:{echo.EndPoint.Port} HTTP/1.1\r\n\r\n"));

        Encoding.ASCII.GetString(await socket.ReceiveExactAsync(Established.Length)).ShouldBe(Established);
        await socket.SendAllAsync("v6"u8.ToArray());
        (await socket.ReceiveExactAsync(2)).ShouldBe("v6"u8.ToArray());
    }

    [Fact]
    public async Task Connect_DomainName_ResolvedThroughResolver()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.IPv6Loopback);
        var dns = new StaticDnsResolver().Add("tunnel.test", IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only, dns: dns);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT tunnel.test:{echo.EndPoint.Port} HTTP/1.1\r\n\r\n"));

        Encoding.ASCII.GetString(await socket.ReceiveExactAsync(Established.Length)).ShouldBe(Established);
        dns.Queries.ShouldBe([("tunnel.test", AddressFamily.InterNetworkV6)]);
    }

    [Fact]
    public async Task Connect_BytesPipelinedAfterHead_ForwardedUpstream()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\n\r\nearly-bytes"));

        Encoding.ASCII.GetString(await socket.ReceiveExactAsync(Established.Length + 11)).ShouldBe(Established + "early-bytes");
    }

    [Fact]
    public async Task Connect_UpstreamPending_200OnlyOnceConnected()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        var dns = new StaticDnsResolver();
        var gate = new GatedOutboundConnector(new SocketOutboundConnector(dns, TimeProvider.System));
        await using var relay = TestRelay.Start(connector: gate, dns: dns);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\n\r\n"));
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(5));

        (await socket.StaysSilentAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue("no 200 while the upstream connection is still pending");
        echo.Remotes.ShouldBeEmpty();
        gate.Release();
        Encoding.ASCII.GetString(await socket.ReceiveExactAsync(Established.Length)).ShouldBe(Established);
        await Eventually.TrueAsync(() => echo.Remotes.Count == 1, "the target accepted the upstream connection");
    }

    [Fact]
    public async Task Connect_RefusedPort_502ConnectionRefusedAndNever200()
    {
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT 127.0.0.1:{closed} HTTP/1.1\r\n\r\n"));
        var all = Encoding.ASCII.GetString((await socket.ReceiveUntilClosedAsync()).Data);

        all.ShouldStartWith("HTTP/1.1 502 ");
        all.ShouldContain("\r\nProxy-Status: ProxyKit; error=connection_refused\r\n");
        all.ShouldNotContain(" 200 ");
        await relay.WaitForFailureAsync(RelayFailureReason.Unreachable);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task Connect_TargetThatNeverAnswers_504ConnectionTimeout()
    {
        using var hole = await Blackhole.CreateAsync(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.ConnectTimeout = TimeSpan.FromMilliseconds(300));
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"CONNECT {hole.EndPoint} HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(504);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=connection_timeout");
        await relay.WaitForFailureAsync(RelayFailureReason.ConnectTimeout);
    }

    [Theory]
    [InlineData("CONNECT a.test HTTP/1.1")]
    [InlineData("CONNECT a.test: HTTP/1.1")]
    [InlineData("CONNECT a.test:0 HTTP/1.1")]
    [InlineData("CONNECT a.test:65536 HTTP/1.1")]
    [InlineData("CONNECT a.test:-1 HTTP/1.1")]
    [InlineData("CONNECT a.test:8x HTTP/1.1")]
    [InlineData("CONNECT :443 HTTP/1.1")]
    [InlineData("CONNECT [::1:443 HTTP/1.1")]
    [InlineData("CONNECT [not-v6]:443 HTTP/1.1")]
    [InlineData("CONNECT ::1:443 HTTP/1.1")]
    [InlineData("CONNECT a/b.test:443 HTTP/1.1")]
    [InlineData("CONNECT user@a.test:443 HTTP/1.1")]
    public async Task Connect_MalformedAuthority_400WithoutUpstreamAttempt(string requestLine)
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(connector: connector);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync(requestLine + "\r\n\r\n");

        response.StatusCode.ShouldBe(400);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=http_request_error");
        response.Head.Get("Connection").ShouldBe("close");
        connector.Targets.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Theory]
    [InlineData(OutboundError.DestinationDenied, 403, "destination_ip_prohibited", RelayFailureReason.NotAllowed)]
    [InlineData(OutboundError.AddressTypeNotAllowed, 403, "destination_ip_prohibited", RelayFailureReason.NotAllowed)]
    [InlineData(OutboundError.NameNotResolved, 502, "dns_error", RelayFailureReason.NameNotResolved)]
    [InlineData(OutboundError.ConnectionRefused, 502, "connection_refused", RelayFailureReason.Unreachable)]
    [InlineData(OutboundError.NetworkUnreachable, 502, "destination_ip_unroutable", RelayFailureReason.Unreachable)]
    [InlineData(OutboundError.HostUnreachable, 502, "destination_ip_unroutable", RelayFailureReason.Unreachable)]
    [InlineData(OutboundError.TimedOut, 504, "connection_timeout", RelayFailureReason.ConnectTimeout)]
    [InlineData(OutboundError.General, 502, "destination_unavailable", RelayFailureReason.UpstreamError)]
    public async Task Connect_ConnectorError_MappedToStatusAndProxyStatus(OutboundError error, int status, string proxyStatus, RelayFailureReason reason)
    {
        await using var relay = TestRelay.Start(connector: new FakeOutboundConnector(error));
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync("CONNECT target.test:443 HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(status);
        response.Head.Get("Proxy-Status").ShouldBe($"ProxyKit; error={proxyStatus}");
        (await client.ReadUntilClosedAsync()).ShouldBeEmpty();
        await relay.WaitForFailureAsync(reason);
    }
}
