using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

/// <summary>
/// Truncated, oversized and nonsense handshakes in every state. Each gets the protocol's answer or a clean close,
/// never a crash; afterwards no connection is left open and exactly one failure is counted for the right reason.
/// </summary>
public sealed class BadHandshakeTests
{
    private static readonly byte[] NoAuthGreeting = [0x05, 0x01, 0x00];
    private static readonly byte[] MethodNoAuth = [0x05, 0x00];
    private static readonly byte[] ZeroBound = [0x01, 0, 0, 0, 0, 0, 0];

    // Port 0 is refused by the real connector (reply 0x02): see Socks5ErrorReplyTests.Connect_PortZero_Reply02.
    public static TheoryData<string, byte[], byte[], RelayFailureReason> Socks5Cases() => new()
    {
        { "greeting: wrong version", [0x04, 0x01, 0x00], [], RelayFailureReason.BadHandshake },
        { "greeting: zero methods", [0x05, 0x00], [], RelayFailureReason.BadHandshake },
        { "greeting: version byte only", [0x05], [], RelayFailureReason.BadHandshake },
        { "greeting: truncated methods", [0x05, 0x03, 0x00], [], RelayFailureReason.BadHandshake },
        { "greeting: HTTP text", "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), [], RelayFailureReason.BadHandshake },
        { "request: wrong version", [.. NoAuthGreeting, 0x04, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 80], MethodNoAuth, RelayFailureReason.BadHandshake },
        { "request: HTTP text", [.. NoAuthGreeting, .. "GET / HTTP/1.1\r\n\r\n"u8], MethodNoAuth, RelayFailureReason.BadHandshake },
        { "request: truncated in header", [.. NoAuthGreeting, 0x05, 0x01], MethodNoAuth, RelayFailureReason.BadHandshake },
        { "request: truncated in address", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x01, 127, 0], MethodNoAuth, RelayFailureReason.BadHandshake },
        { "request: truncated in port", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x04, .. IPAddress.IPv6Loopback.GetAddressBytes(), 0], MethodNoAuth, RelayFailureReason.BadHandshake },
        { "request: truncated domain", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x03, 0x0A, .. "abc"u8], MethodNoAuth, RelayFailureReason.BadHandshake },
        { "request: unknown ATYP", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x09, 1, 2, 3, 4, 0, 80], [.. MethodNoAuth, 0x05, 0x08, 0x00, .. ZeroBound], RelayFailureReason.BadHandshake },
        { "request: domain length 0", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x03, 0x00, 0x00, 0x50], [.. MethodNoAuth, 0x05, 0x01, 0x00, .. ZeroBound], RelayFailureReason.BadHandshake },
        { "request: domain with space", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x03, 0x03, .. "a b"u8, 0x00, 0x50], [.. MethodNoAuth, 0x05, 0x01, 0x00, .. ZeroBound], RelayFailureReason.BadHandshake },
        { "request: BIND", [.. NoAuthGreeting, 0x05, 0x02, 0x00, 0x01, 127, 0, 0, 1, 0, 80], [.. MethodNoAuth, 0x05, 0x07, 0x00, .. ZeroBound], RelayFailureReason.BadHandshake },
        { "request: unknown command", [.. NoAuthGreeting, 0x05, 0x7F, 0x00, 0x01, 127, 0, 0, 1, 0, 80], [.. MethodNoAuth, 0x05, 0x07, 0x00, .. ZeroBound], RelayFailureReason.BadHandshake },
    };

    [Theory]
    [MemberData(nameof(Socks5Cases))]
    public async Task Socks5_BadInputThenHalfClose_ExactAnswerThenCloseAndCounted(string because, byte[] input, byte[] expectedAnswer, RelayFailureReason reason)
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Socks5, connector);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(input);
        socket.Shutdown(SocketShutdown.Send);
        var answer = await socket.ReceiveUntilClosedAsync();

        answer.Data.ShouldBe(expectedAnswer, because);
        await AssertClosedAndCountedAsync(relay, reason);
        connector.Targets.ShouldBeEmpty(because);
    }

    [Theory]
    [MemberData(nameof(Socks5Cases))]
    public async Task Socks5_BadInputWithoutHalfClose_SameAnswer(string because, byte[] input, byte[] expectedAnswer, RelayFailureReason reason)
    {
        // Incomplete messages are now ended by the handshake timeout instead of the client's close.
        await using var relay = TestRelay.Start(o =>
        {
            o.Protocol = RelayProtocol.Mixed;
            o.HandshakeTimeout = TimeSpan.FromMilliseconds(300);
        }, new FakeOutboundConnector(OutboundError.ConnectionRefused));
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(input);
        var answer = await socket.ReceiveUntilClosedAsync();

        if (input[0] == 0x05)
        {
            answer.Data.ShouldBe(expectedAnswer, because);
            await relay.WaitForNoActiveConnectionsAsync();
            (relay.Failures(reason) + relay.Failures(RelayFailureReason.HandshakeTimeout)).ShouldBe(1, because);
        }
        else
        {
            // Mixed: not SOCKS, so the bytes are an HTTP request head (answered 400 once complete).
            (answer.Data.Length == 0 || Encoding.ASCII.GetString(answer.Data).StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal)).ShouldBeTrue(because);
        }

        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.ConnectionsFailed.ShouldBe(1, because);
    }

    public static TheoryData<string, string, int> HttpCases() => new()
    {
        { "request line: one word", "HELLO\r\n\r\n", 400 },
        { "request line: binary", "\u0001\u0002\u0003 \u0004 \u0005\r\n\r\n", 400 },
        { "request line: no version", "CONNECT a.test:443\r\n\r\n", 400 },
        { "CONNECT: no port", "CONNECT a.test HTTP/1.1\r\n\r\n", 400 },
        { "CONNECT: port 0", "CONNECT a.test:0 HTTP/1.1\r\n\r\n", 400 },
        { "CONNECT: port too big", "CONNECT a.test:70000 HTTP/1.1\r\n\r\n", 400 },
        { "CONNECT: empty host", "CONNECT :80 HTTP/1.1\r\n\r\n", 400 },
        { "CONNECT: unbracketed IPv6", "CONNECT 2001:db8::1:443 HTTP/1.1\r\n\r\n", 400 },
        { "CONNECT: percent-encoded host is just a name", "CONNECT a%20b.test:443 HTTP/1.1\r\nX: 1\r\n\r\n", 0 },
        { "header: no colon", "GET http://a.test/ HTTP/1.1\r\nBroken\r\n\r\n", 400 },
        { "header: obs-fold", "GET http://a.test/ HTTP/1.1\r\nX: 1\r\n\tmore\r\n\r\n", 400 },
        { "header: 129 headers", "GET http://a.test/ HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, 129).Select(i => $"H{i}: v\r\n")) + "\r\n", 400 },
        { "target: origin-form", "GET /index.html HTTP/1.1\r\nHost: a.test\r\n\r\n", 400 },
        { "target: https", "GET https://a.test/ HTTP/1.1\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(HttpCases))]
    public async Task Http_BadRequest_AnsweredThenClosedAndCounted(string because, string request, int expectedStatus)
    {
        var connector = new FakeOutboundConnector(OutboundError.NameNotResolved);
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Http, connector);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Encoding.Latin1.GetBytes(request));
        var answer = Encoding.ASCII.GetString((await socket.ReceiveUntilClosedAsync()).Data);

        if (expectedStatus == 0)
        {
            // "a%20b.test" is a legal-looking name: it goes to the connector (here: does not resolve).
            answer.ShouldStartWith("HTTP/1.1 502 ", customMessage: because);
            await AssertClosedAndCountedAsync(relay, RelayFailureReason.NameNotResolved);
            return;
        }

        answer.ShouldStartWith($"HTTP/1.1 {expectedStatus} ", customMessage: because);
        answer.ShouldContain("\r\nConnection: close\r\n", customMessage: because);
        await AssertClosedAndCountedAsync(relay, RelayFailureReason.BadHandshake);
        connector.Targets.ShouldBeEmpty(because);
    }

    [Fact]
    public async Task Http_TruncatedHeadThenHalfClose_ClosedWithoutAnswerAndCounted()
    {
        await using var relay = TestRelay.Start(o => o.Protocol = RelayProtocol.Http);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync("GET http://a.test/ HTTP/1.1\r\nHost: a.te"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);

        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty();
        await AssertClosedAndCountedAsync(relay, RelayFailureReason.BadHandshake);
    }

    [Fact]
    public async Task Http_HeadExactlyAtMaxHandshakeBytesWithoutEnd_431()
    {
        await using var relay = TestRelay.Start(o => o.MaxHandshakeBytes = 1024);
        using var socket = await relay.ConnectAsync();
        var head = "GET http://a.test/ HTTP/1.1\r\n" + new string('X', 1024);

        await socket.SendAllAsync(Encoding.ASCII.GetBytes(head[..1024]));

        Encoding.ASCII.GetString((await socket.ReceiveUntilClosedAsync()).Data).ShouldStartWith("HTTP/1.1 431 ");
        await AssertClosedAndCountedAsync(relay, RelayFailureReason.BadHandshake);
    }

    [Fact]
    public async Task Http_HeadJustUnderMaxHandshakeBytes_Accepted()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.MaxHandshakeBytes = 1024);
        using var client = await RawHttpClient.ConnectAsync(relay);
        var prefix = $"GET {server.Url("/fits")} HTTP/1.1\r\nX-Pad: ";
        var head = prefix + new string('p', 1024 - prefix.Length - 4) + "\r\n\r\n";
        head.Length.ShouldBe(1024);

        var response = await client.SendAndReadAsync(head);

        response.StatusCode.ShouldBe(200, "a head of exactly MaxHandshakeBytes (blank line included) fits");
    }

    [Theory]
    [InlineData(RelayProtocol.Mixed)]
    [InlineData(RelayProtocol.Socks5)]
    [InlineData(RelayProtocol.Http)]
    public async Task SilentClient_AnyProtocol_ClosedAfterHandshakeTimeout(RelayProtocol protocol)
    {
        await using var relay = TestRelay.Start(o =>
        {
            o.Protocol = protocol;
            o.HandshakeTimeout = TimeSpan.FromMilliseconds(300);
        });
        using var socket = await relay.ConnectAsync();
        var clock = Stopwatch.StartNew();

        var read = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));

        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        read.Data.ShouldBeEmpty();
        await AssertClosedAndCountedAsync(relay, RelayFailureReason.HandshakeTimeout);
    }

    public static TheoryData<string, byte[]> StalledHandshakes() => new()
    {
        { "half a greeting", [0x05, 0x02] },
        { "greeting, no request", NoAuthGreeting },
        { "greeting, half a request", [.. NoAuthGreeting, 0x05, 0x01, 0x00, 0x03, 0x20, .. "abc"u8] },
        { "half an HTTP head", "CONNECT a.test:443 HTTP/1.1\r\nHost: a"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(StalledHandshakes))]
    public async Task StalledHandshake_PartialInput_ClosedAfterHandshakeTimeout(string because, byte[] input)
    {
        await using var relay = TestRelay.Start(o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(300));
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(input);
        var read = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));

        read.Data.ShouldNotContain((byte)0xFF, because);
        await AssertClosedAndCountedAsync(relay, RelayFailureReason.HandshakeTimeout);
    }

    [Fact]
    public async Task SlowlorisHead_BytesKeepComing_ClosedAtHandshakeTimeout()
    {
        await using var relay = TestRelay.Start(o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(300));
        using var socket = await relay.ConnectAsync();
        var clock = Stopwatch.StartNew();
        await socket.SendAllAsync("GET http://a.test/ HTTP/1.1\r\n"u8.ToArray());

        var closed = false;
        for (var i = 0; i < 60 && !closed; i++)
        {
            await Task.Delay(50);
            try
            {
                await socket.SendAllAsync("X-Drip: 1\r\n"u8.ToArray());
            }
            catch (SocketException)
            {
                closed = true;
            }

            closed |= socket.Poll(0, SelectMode.SelectRead);
        }

        closed.ShouldBeTrue("the handshake deadline is for the whole head, not per read");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(2.5));
        await AssertClosedAndCountedAsync(relay, RelayFailureReason.HandshakeTimeout);
    }

    [Fact]
    public async Task Client_ClosesAtOnce_CountedAsBadHandshake()
    {
        await using var relay = TestRelay.Start();

        using (await relay.ConnectAsync())
        {
        }

        await AssertClosedAndCountedAsync(relay, RelayFailureReason.BadHandshake);
    }

    [Fact]
    public async Task Client_ClosesAfterGreeting_CountedAsBadHandshake()
    {
        await using var relay = TestRelay.Start();
        using (var socket = await relay.ConnectAsync())
        {
            await socket.SendAllAsync(NoAuthGreeting);
            (await socket.ReceiveExactAsync(2)).ShouldBe(MethodNoAuth);
        }

        await AssertClosedAndCountedAsync(relay, RelayFailureReason.BadHandshake);
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x01 })]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x05, 0x01 })]
    [InlineData(new byte[] { 0x47, 0x45, 0x54, 0x20 })]
    public async Task Client_ResetsMidHandshake_CountedAsFailure(byte[] input)
    {
        await using var relay = TestRelay.Start();
        var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(input);
        await Task.Delay(50); // let the relay read what was sent and wait for more

        socket.LingerState = new LingerOption(true, 0);
        socket.Close(); // RST instead of FIN

        await relay.WaitForNoActiveConnectionsAsync();
        relay.Stats.ConnectionsAccepted.ShouldBe(1);
        relay.Stats.ConnectionsFailed.ShouldBe(1, "a connection that ended without a tunnel is a failure, whether the client closed or reset it");
    }

    [Fact]
    public async Task Listener_ManyBadClientsInARow_KeepsServing()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        for (var i = 0; i < 20; i++)
        {
            using var bad = await relay.ConnectAsync();
            await bad.SendAllAsync(new byte[] { 0x05, 0x00 });
            await bad.ReceiveUntilClosedAsync();
        }

        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = socket;

        reply.Code.ShouldBe((byte)0x00);
        relay.Failures(RelayFailureReason.BadHandshake).ShouldBe(20);
    }

    private static async Task AssertClosedAndCountedAsync(TestRelay relay, RelayFailureReason reason)
    {
        await relay.WaitForNoActiveConnectionsAsync();
        await relay.WaitForFailureAsync(reason);
        var stats = relay.Stats;
        stats.FailuresByReason.ShouldBe(new Dictionary<RelayFailureReason, long> { [reason] = 1 });
        stats.ConnectionsFailed.ShouldBe(1);
        relay.ShouldHaveNoCrashes();
    }
}
