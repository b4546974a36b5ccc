using System.Net;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Socks5;

/// <summary>Every SOCKS5 error reply code, produced by real conditions where the host allows it, each followed by a close.</summary>
public sealed class Socks5ErrorReplyTests
{
    [Fact]
    public async Task Connect_LoopbackWithoutAllowList_Reply02AndNoUpstreamConnection()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Destinations.AllowedNetworks.Clear());

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint), 0x02, RelayFailureReason.NotAllowed);

        echo.Remotes.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.0.1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("::")]
    [InlineData("224.0.0.1")]
    public async Task Connect_NonPublicAddressByDefault_Reply02(string address)
    {
        await using var relay = TestRelay.Start(o => o.Destinations.AllowedNetworks.Clear());

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.Parse(address), 80)), 0x02, RelayFailureReason.NotAllowed);
    }

    [Fact]
    public async Task Connect_Port25EvenWhenAllowListed_Reply02()
    {
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.Loopback, 25)), 0x02, RelayFailureReason.NotAllowed);
    }

    [Fact]
    public async Task Connect_PortZero_Reply02()
    {
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.Loopback, 0)), 0x02, RelayFailureReason.NotAllowed);
    }

    [Fact]
    public async Task Connect_NameResolvingToDeniedAddress_Reply02()
    {
        var dns = new StaticDnsResolver().Add("internal.test", IPAddress.Parse("10.0.0.5"));
        await using var relay = TestRelay.Start(dns: dns);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, "internal.test", 80), 0x02, RelayFailureReason.NotAllowed);
    }

    [Fact]
    public async Task Connect_NameWithOnlyARecordUnderIPv6Only_Reply04()
    {
        var dns = new StaticDnsResolver().Add("v4only.test", IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only, dns: dns);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, "v4only.test", 80), 0x04, RelayFailureReason.NameNotResolved);
    }

    [Fact]
    public async Task Connect_UnknownName_Reply04()
    {
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, "nowhere.test", 80), 0x04, RelayFailureReason.NameNotResolved);
    }

    [Fact]
    public async Task Connect_ClosedPort_Reply05()
    {
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.Loopback, closed)), 0x05, RelayFailureReason.Unreachable);
    }

    [Fact]
    public async Task Connect_ClosedIPv6Port_Reply05()
    {
        var closed = TestNetworkPorts.UnusedPort(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.IPv6Loopback, closed)), 0x05, RelayFailureReason.Unreachable);
    }

    [Fact]
    public async Task Connect_TargetThatNeverAnswers_Reply06AfterConnectTimeout()
    {
        using var hole = await Blackhole.CreateAsync(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.ConnectTimeout = TimeSpan.FromMilliseconds(300));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, hole.EndPoint), 0x06, RelayFailureReason.ConnectTimeout);

        started.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250));
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task Bind_AnyTarget_Reply07()
    {
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Bind, new IPEndPoint(IPAddress.Loopback, 21)), 0x07, RelayFailureReason.BadHandshake);
    }

    [Theory]
    [InlineData((byte)0x00)]
    [InlineData((byte)0x04)]
    [InlineData((byte)0x80)]
    public async Task Request_UnknownCommand_Reply07(byte command)
    {
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, Socks5Client.Request(command, "x.test", 80), 0x07, RelayFailureReason.BadHandshake);
    }

    [Fact]
    public async Task Connect_IPv4LiteralUnderIPv6Only_Reply08()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint), 0x08, RelayFailureReason.NotAllowed);

        echo.Remotes.ShouldBeEmpty();
    }

    [Fact]
    public async Task Connect_IPv4MappedLiteralUnderIPv6Only_Reply08()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), echo.EndPoint.Port);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, mapped), 0x08, RelayFailureReason.NotAllowed);

        echo.Remotes.ShouldBeEmpty();
    }

    [Fact]
    public async Task Connect_IPv6LiteralUnderIPv4Only_Reply08()
    {
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.IPv6Loopback, 80)), 0x08, RelayFailureReason.NotAllowed);
    }

    [Theory]
    [InlineData((byte)0x00)]
    [InlineData((byte)0x02)]
    [InlineData((byte)0x05)]
    public async Task Connect_UnknownAddressType_Reply08(byte atyp)
    {
        await using var relay = TestRelay.Start();

        await AssertRefusedAsync(relay, [0x05, 0x01, 0x00, atyp, 127, 0, 0, 1, 0, 80], 0x08, RelayFailureReason.BadHandshake);
    }

    [Theory]
    [InlineData(OutboundError.DestinationDenied, 0x02, RelayFailureReason.NotAllowed)]
    [InlineData(OutboundError.AddressTypeNotAllowed, 0x08, RelayFailureReason.NotAllowed)]
    [InlineData(OutboundError.NameNotResolved, 0x04, RelayFailureReason.NameNotResolved)]
    [InlineData(OutboundError.NetworkUnreachable, 0x03, RelayFailureReason.Unreachable)]
    [InlineData(OutboundError.HostUnreachable, 0x04, RelayFailureReason.Unreachable)]
    [InlineData(OutboundError.ConnectionRefused, 0x05, RelayFailureReason.Unreachable)]
    [InlineData(OutboundError.TimedOut, 0x06, RelayFailureReason.ConnectTimeout)]
    [InlineData(OutboundError.General, 0x01, RelayFailureReason.UpstreamError)]
    public async Task Connect_ConnectorError_MappedToReplyAndReason(OutboundError error, byte expectedReply, RelayFailureReason expectedReason)
    {
        var connector = new FakeOutboundConnector(error);
        await using var relay = TestRelay.Start(connector: connector);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, "target.test", 443), expectedReply, expectedReason);

        connector.Targets.ShouldHaveSingleItem().ToString().ShouldBe("target.test:443");
    }

    [Fact]
    public async Task Connect_OverMaxConnections_Reply02WhileFirstTunnelStaysUp()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.MaxConnections = 1);
        var (first, firstReply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        using var _ = first;
        firstReply.Code.ShouldBe((byte)0x00);

        await AssertRefusedAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint), 0x02, RelayFailureReason.ConnectionLimit, expectNoActive: false);

        await first.SendAllAsync("still"u8.ToArray());
        (await first.ReceiveExactAsync(5)).ShouldBe("still"u8.ToArray());
        echo.Remotes.Count.ShouldBe(1);
    }

    /// <summary>Handshakes with no-auth, sends <paramref name="request"/>, and expects the reply code, then a clean close and the failure counted.</summary>
    private static async Task AssertRefusedAsync(TestRelay relay, byte[] request, byte expectedReply, RelayFailureReason expectedReason, bool expectNoActive = true)
    {
        var before = relay.Failures(expectedReason);
        var (socket, reply) = await Socks5Client.HandshakeAsync(relay, request);
        using var _ = socket;

        reply.Code.ShouldBe(expectedReply, $"reply to {Convert.ToHexString(request)}");
        reply.Bound.ShouldBe(new IPEndPoint(IPAddress.Any, 0), "an error reply binds nothing");
        var rest = await socket.ReceiveUntilClosedAsync();
        rest.Data.ShouldBeEmpty("the relay closes right after an error reply");
        rest.Reset.ShouldBeFalse();
        await relay.WaitForFailureAsync(expectedReason, before + 1);
        if (expectNoActive)
        {
            await relay.WaitForNoActiveConnectionsAsync();
        }
    }
}
