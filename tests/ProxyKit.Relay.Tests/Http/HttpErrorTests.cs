using System.Net;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Http;

/// <summary>HTTP proxy refusals: authentication, malformed requests, floods, policy, upstream failures and the connection limit.</summary>
public sealed class HttpErrorTests
{
    private static readonly RelayCredentials Alice = new("alice", "s3cret");

    private static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Theory]
    [InlineData("")]
    [InlineData("Proxy-Authorization: Basic {wrong}\r\n")]
    [InlineData("Proxy-Authorization: Basic !!!not-base64!!!\r\n")]
    [InlineData("Proxy-Authorization: Bearer abc\r\n")]
    [InlineData("Proxy-Authorization: Basic\r\n")]
    [InlineData("Authorization: Basic {right}\r\n")] // origin credentials are not proxy credentials
    public async Task Auth_MissingOrWrong_407WithProxyAuthenticateAndTargetUntouched(string authHeader)
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var client = await RawHttpClient.ConnectAsync(relay);
        var header = authHeader.Replace("{wrong}", Basic("alice", "nope"), StringComparison.Ordinal).Replace("{right}", Basic("alice", "s3cret"), StringComparison.Ordinal);

        var response = await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\n{header}\r\n");

        response.StatusCode.ShouldBe(407);
        response.Head.Get("Proxy-Authenticate").ShouldBe("Basic realm=\"ProxyKit\"");
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=http_request_denied");
        (await client.ReadUntilClosedAsync()).ShouldBeEmpty();
        server.ConnectionsAccepted.ShouldBe(0);
        await relay.WaitForFailureAsync(RelayFailureReason.AuthenticationFailed);
    }

    [Fact]
    public async Task Auth_ConnectWithoutCredentials_407AndNever200()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\n\r\n"));
        var all = Encoding.ASCII.GetString((await socket.ReceiveUntilClosedAsync()).Data);

        all.ShouldStartWith("HTTP/1.1 407 ");
        all.ShouldContain("\r\nProxy-Authenticate: Basic realm=\"ProxyKit\"\r\n");
        echo.Remotes.ShouldBeEmpty();
    }

    [Fact]
    public async Task Auth_CorrectBasic_Forwarded()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\nProxy-Authorization: basic  {Basic("alice", "s3cret")}\r\n\r\n");

        response.StatusCode.ShouldBe(200);
        server.Requests.ShouldHaveSingleItem().Head.Has("Proxy-Authorization").ShouldBeFalse("the proxy's credentials are not passed on");
    }

    [Fact]
    public async Task Auth_CorrectBasic_ConnectTunnels()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.ASCII.GetBytes($"CONNECT {echo.EndPoint} HTTP/1.1\r\nProxy-Authorization: Basic {Basic("alice", "s3cret")}\r\n\r\n"));

        Encoding.ASCII.GetString(await socket.ReceiveExactAsync(39)).ShouldBe("HTTP/1.1 200 Connection established\r\n\r\n");
    }

    [Fact]
    public async Task Auth_UnicodeCredentials_AcceptedAsUtf8()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = new RelayCredentials("jürgen", "pässwört"));
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\nProxy-Authorization: Basic {Basic("jürgen", "pässwört")}\r\n\r\n");

        response.StatusCode.ShouldBe(200);
    }

    [Theory]
    [InlineData("HELLO\r\n\r\n")]
    [InlineData("GET http://a.test/\r\n\r\n")]
    [InlineData("GET http://a.test/ HTTP/9.9\r\n\r\n")]
    [InlineData("GET  http://a.test/ HTTP/1.1\r\n\r\n")]
    [InlineData("GET http://a.test/ HTTP/1.1\r\nNoColon\r\n\r\n")]
    [InlineData("GET http://a.test/ HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")] // origin-form: not a proxy request
    [InlineData("GET https://a.test/ HTTP/1.1\r\n\r\n")] // TLS to the origin needs CONNECT
    [InlineData("GET ftp://a.test/ HTTP/1.1\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n")] // a TLS ClientHello-ish prefix
    public async Task Request_Malformed_400AndClosed(string request)
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(connector: connector);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync(request);

        response.StatusCode.ShouldBe(400);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=http_request_error");
        (await client.ReadUntilClosedAsync()).ShouldBeEmpty();
        connector.Targets.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task HeaderFlood_FillsMaxHandshakeBytes_431()
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(o => o.MaxHandshakeBytes = 1024, connector);
        using var client = await RawHttpClient.ConnectAsync(relay);
        var flood = new StringBuilder("GET http://a.test/ HTTP/1.1\r\n");
        while (flood.Length < 1024)
        {
            flood.Append("X-Flood: aaaaaaaaaaaaaaaaaaaaaa\r\n");
        }

        await client.SendAsync(flood.ToString(0, 1024)); // exactly the cap, and no end of head in it
        var response = await client.ReadResponseAsync();

        response.StatusCode.ShouldBe(431);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=http_request_error");
        connector.Targets.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task HeaderFlood_FarBeyondMaxHandshakeBytes_431OrResetButNeverForwarded()
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(o => o.MaxHandshakeBytes = 1024, connector);
        using var socket = await relay.ConnectAsync();
        var flood = Encoding.ASCII.GetBytes("GET http://a.test/ HTTP/1.1\r\n" + string.Concat(Enumerable.Repeat("X-Flood: aaaaaaaaaaaaaaaaaaaaaa\r\n", 2000)));

        try
        {
            await socket.SendAllAsync(flood);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The relay may close (and reset) while the flood is still being written.
        }

        var read = await socket.ReceiveUntilClosedAsync();
        if (read.Data.Length > 0)
        {
            Encoding.ASCII.GetString(read.Data).ShouldStartWith("HTTP/1.1 431 ");
        }

        connector.Targets.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task HeaderCount_Over128_400()
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(connector: connector);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync("GET http://a.test/ HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, 129).Select(i => $"X-H{i}: v\r\n")) + "\r\n");

        response.StatusCode.ShouldBe(400);
        connector.Targets.ShouldBeEmpty();
    }

    [Fact]
    public async Task Get_LoopbackWithoutAllowList_403()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Destinations.AllowedNetworks.Clear());
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(403);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=destination_ip_prohibited");
        server.ConnectionsAccepted.ShouldBe(0);
        await relay.WaitForFailureAsync(RelayFailureReason.NotAllowed);
    }

    [Fact]
    public async Task Connect_Port25_403()
    {
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync("CONNECT 127.0.0.1:25 HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(403);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=destination_ip_prohibited");
    }

    [Fact]
    public async Task Get_IPv4LiteralUnderIPv6Only_403()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(403);
        server.ConnectionsAccepted.ShouldBe(0);
    }

    [Fact]
    public async Task Get_UnknownName_502DnsError()
    {
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync("GET http://does-not-exist.test/ HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(502);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=dns_error");
        response.Head.Get("Connection").ShouldBe("close");
        await relay.WaitForFailureAsync(RelayFailureReason.NameNotResolved);
    }

    [Fact]
    public async Task Get_RefusedPort_502ConnectionRefused()
    {
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET http://127.0.0.1:{closed}/ HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(502);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=connection_refused");
        await relay.WaitForFailureAsync(RelayFailureReason.Unreachable);
    }

    [Fact]
    public async Task KeepAlive_SecondRequestToRefusedPort_502AfterFirstSucceeded()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var first = await client.SendAndReadAsync($"GET {server.Url("/ok")} HTTP/1.1\r\n\r\n");
        var second = await client.SendAndReadAsync($"GET http://127.0.0.1:{closed}/ HTTP/1.1\r\n\r\n");

        first.StatusCode.ShouldBe(200);
        second.StatusCode.ShouldBe(502);
        second.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=connection_refused");
    }

    [Fact]
    public async Task Request_OverMaxConnections_503WhileFirstConnectionStaysUp()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.MaxConnections = 1);
        using var first = await RawHttpClient.ConnectAsync(relay);
        (await first.SendAndReadAsync($"GET {server.Url("/1")} HTTP/1.1\r\n\r\n")).StatusCode.ShouldBe(200);
        using var second = await RawHttpClient.ConnectAsync(relay);

        var refused = await second.SendAndReadAsync($"GET {server.Url("/2")} HTTP/1.1\r\n\r\n");

        refused.StatusCode.ShouldBe(503);
        refused.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=connection_limit_reached");
        (await second.ReadUntilClosedAsync()).ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.ConnectionLimit);
        (await first.SendAndReadAsync($"GET {server.Url("/3")} HTTP/1.1\r\n\r\n")).BodyText.ShouldBe("hello /3");
        server.Requests.Select(r => r.Target).ShouldBe(["/1", "/3"]);

        first.Dispose();
        await relay.WaitForNoActiveConnectionsAsync();
        using var third = await RawHttpClient.ConnectAsync(relay);
        (await third.SendAndReadAsync($"GET {server.Url("/4")} HTTP/1.1\r\n\r\n")).StatusCode.ShouldBe(200, "a slot frees when a connection closes");
    }
}
