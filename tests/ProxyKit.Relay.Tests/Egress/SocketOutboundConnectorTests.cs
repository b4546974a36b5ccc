using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Egress;

/// <summary>The default connector on its own, against loopback servers.</summary>
public sealed class SocketOutboundConnectorTests
{
    private static OutboundSettings Settings(EgressAddressPolicy policy = EgressAddressPolicy.DualStack, TimeSpan? timeout = null, TimeSpan? attemptDelay = null)
    {
        var egress = new EgressOptions { Policy = policy, ConnectAttemptDelay = attemptDelay ?? TimeSpan.FromMilliseconds(250) };
        var destinations = new DestinationPolicy();
        destinations.AllowedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
        destinations.AllowedNetworks.Add(IPNetwork.Parse("::1/128"));
        return new OutboundSettings(egress, destinations, timeout ?? TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task ConnectAsync_Literal_Connects()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        var connector = new SocketOutboundConnector(new StaticDnsResolver(), TimeProvider.System);

        var connection = await connector.ConnectAsync(RelayTarget.ForAddress(IPAddress.Loopback, echo.EndPoint.Port), Settings(), CancellationToken.None);
        using var socket = connection.Socket;

        connection.Succeeded.ShouldBeTrue();
        connection.Error.ShouldBe(OutboundError.None);
        socket!.Connected.ShouldBeTrue();
    }

    [Theory]
    [InlineData(EgressAddressPolicy.IPv6Only, "127.0.0.1", OutboundError.AddressTypeNotAllowed)]
    [InlineData(EgressAddressPolicy.IPv6Only, "::ffff:127.0.0.1", OutboundError.AddressTypeNotAllowed)]
    [InlineData(EgressAddressPolicy.IPv4Only, "::1", OutboundError.AddressTypeNotAllowed)]
    [InlineData(EgressAddressPolicy.DualStack, "10.0.0.1", OutboundError.DestinationDenied)]
    [InlineData(EgressAddressPolicy.DualStack, "::ffff:10.0.0.1", OutboundError.DestinationDenied)]
    public async Task ConnectAsync_PolicyRefusals_NoConnectionAttempted(EgressAddressPolicy policy, string address, OutboundError expected)
    {
        var connector = new SocketOutboundConnector(new StaticDnsResolver(), TimeProvider.System);

        var connection = await connector.ConnectAsync(RelayTarget.ForAddress(IPAddress.Parse(address), 80), Settings(policy), CancellationToken.None);

        connection.Succeeded.ShouldBeFalse();
        connection.Error.ShouldBe(expected);
    }

    [Fact]
    public async Task ConnectAsync_Port0_Denied()
    {
        var connector = new SocketOutboundConnector(new StaticDnsResolver(), TimeProvider.System);

        (await connector.ConnectAsync(RelayTarget.ForAddress(IPAddress.Loopback, 0), Settings(), CancellationToken.None)).Error.ShouldBe(OutboundError.DestinationDenied);
    }

    [Fact]
    public async Task ConnectAsync_NameResolvingToMappedIPv4UnderIPv6Only_NameNotResolved()
    {
        // A resolver that answers AAAA ::ffff:a.b.c.d must not smuggle IPv4 past an IPv6-only policy.
        var dns = new StaticDnsResolver().Add("mapped.test", IPAddress.Parse("::ffff:127.0.0.1"));
        var connector = new SocketOutboundConnector(dns, TimeProvider.System);

        var connection = await connector.ConnectAsync(RelayTarget.ForHost("mapped.test", 80), Settings(EgressAddressPolicy.IPv6Only), CancellationToken.None);

        connection.Error.ShouldBe(OutboundError.NameNotResolved);
    }

    [Fact]
    public async Task ConnectAsync_Blackhole_TimedOutAfterConnectTimeout()
    {
        using var hole = await Blackhole.CreateAsync(IPAddress.IPv6Loopback);
        var connector = new SocketOutboundConnector(new StaticDnsResolver(), TimeProvider.System);
        var clock = Stopwatch.StartNew();

        var connection = await connector.ConnectAsync(RelayTarget.ForAddress(hole.EndPoint.Address, hole.EndPoint.Port), Settings(timeout: TimeSpan.FromMilliseconds(300)), CancellationToken.None);

        connection.Error.ShouldBe(OutboundError.TimedOut);
        clock.Elapsed.ShouldBeInRange(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task ConnectAsync_CallerCancels_ThrowsInsteadOfReportingTimeout()
    {
        using var hole = await Blackhole.CreateAsync(IPAddress.Loopback);
        var connector = new SocketOutboundConnector(new StaticDnsResolver(), TimeProvider.System);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(async () =>
            await connector.ConnectAsync(RelayTarget.ForAddress(IPAddress.Loopback, hole.EndPoint.Port), Settings(timeout: TimeSpan.FromSeconds(5)), cts.Token));
    }

    [Fact]
    public async Task ConnectAsync_FirstAddressHangs_NextStartsAfterAttemptDelayAndWins()
    {
        using var hole = await Blackhole.CreateAsync(IPAddress.IPv6Loopback);
        var dns = new StaticDnsResolver().Add("eyeballs.test", IPAddress.IPv6Loopback, IPAddress.Parse("127.0.0.1"));
        using var sameport = BindSamePort(hole.EndPoint.Port);
        var connector = new SocketOutboundConnector(dns, TimeProvider.System);
        var clock = Stopwatch.StartNew();

        var connection = await connector.ConnectAsync(RelayTarget.ForHost("eyeballs.test", hole.EndPoint.Port), Settings(timeout: TimeSpan.FromSeconds(3), attemptDelay: TimeSpan.FromMilliseconds(150)), CancellationToken.None);
        using var socket = connection.Socket;

        connection.Error.ShouldBe(OutboundError.None);
        ((IPEndPoint)socket!.RemoteEndPoint!).Address.ShouldBe(IPAddress.Loopback, "IPv6 first, then IPv4 once the attempt delay passed");
        clock.Elapsed.ShouldBeInRange(TimeSpan.FromMilliseconds(120), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task ConnectAsync_AllAddressesRefused_ConnectionRefused()
    {
        var port = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        var dns = new StaticDnsResolver().Add("nobody.test", IPAddress.IPv6Loopback, IPAddress.Loopback);
        var connector = new SocketOutboundConnector(dns, TimeProvider.System);

        var connection = await connector.ConnectAsync(RelayTarget.ForHost("nobody.test", port), Settings(), CancellationToken.None);

        connection.Error.ShouldBe(OutboundError.ConnectionRefused);
    }

    // A listener on 127.0.0.1 at the port the IPv6 blackhole holds on ::1 (different addresses, so no conflict).
    private static Socket BindSamePort(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(8);
        return socket;
    }
}
