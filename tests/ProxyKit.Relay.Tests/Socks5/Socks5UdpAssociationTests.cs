using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Socks5;

public sealed class Socks5UdpAssociationTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task UdpAssociate_EchoOverIPv4_ReplyFramedWithTargetSource()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);

        reply.Code.ShouldBe((byte)0x00);
        reply.Bound.Address.ShouldBe(IPAddress.Loopback, "the UDP relay port is on the address the client reached the listener at");
        reply.Bound.Port.ShouldNotBe(0);

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "datagram-1"u8.ToArray()), reply.Bound);
        var (source, payload) = await ReceiveDatagramAsync(client);

        source.ShouldBe(echo.EndPoint);
        payload.ShouldBe("datagram-1"u8.ToArray());
        var sender = echo.Senders.ShouldHaveSingleItem();
        sender.Address.ShouldBe(IPAddress.Loopback);
        sender.Port.ShouldNotBe(((IPEndPoint)client.LocalEndPoint!).Port, "the target sees the relay's upstream socket, not the client");
        await Eventually.TrueAsync(() => relay.Stats.BytesSent == 10 && relay.Stats.BytesReceived == 10, "UDP payload bytes counted both ways");
    }

    [Fact]
    public async Task UdpAssociate_IPv6TargetUnderIPv6Only_EchoedWithIPv6Header()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv6Only);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, [1, 2, 3]), reply.Bound);
        var (source, payload) = await ReceiveDatagramAsync(client);

        source.ShouldBe(echo.EndPoint);
        payload.ShouldBe(new byte[] { 1, 2, 3 });
    }

    [Fact]
    public async Task UdpAssociate_DomainTarget_ResolvedThroughResolver()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        var dns = new StaticDnsResolver().Add("udp.test", IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only, dns: dns);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);
        var name = "udp.test"u8.ToArray();
        byte[] datagram = [0, 0, 0, 0x03, (byte)name.Length, .. name, (byte)(echo.EndPoint.Port >> 8), (byte)echo.EndPoint.Port, .. "x"u8];

        await client.SendToAsync(datagram, reply.Bound);
        var (source, payload) = await ReceiveDatagramAsync(client);

        source.ShouldBe(echo.EndPoint);
        payload.ShouldBe("x"u8.ToArray());
    }

    [Fact]
    public async Task UdpAssociate_FragmentedDatagram_DroppedAndAssociationKeepsWorking()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "frag"u8.ToArray(), fragment: 1), reply.Bound);
        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "frag"u8.ToArray(), fragment: 0x81), reply.Bound);
        (await NothingArrivesAsync(client)).ShouldBeTrue("fragments are dropped");
        echo.Senders.ShouldBeEmpty();

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "whole"u8.ToArray()), reply.Bound);
        (await ReceiveDatagramAsync(client)).Payload.ShouldBe("whole"u8.ToArray());
    }

    [Fact]
    public async Task UdpAssociate_MalformedHeaders_Dropped()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);

        await client.SendToAsync(new byte[] { 0, 0 }, reply.Bound);
        await client.SendToAsync(new byte[] { 1, 0, 0, 1, 127, 0, 0, 1, 0, 7, 9 }, reply.Bound); // RSV not zero
        await client.SendToAsync(new byte[] { 0, 0, 0, 9, 127, 0, 0, 1, 0, 7, 9 }, reply.Bound); // unknown ATYP
        await client.SendToAsync(new byte[] { 0, 0, 0, 1, 127, 0 }, reply.Bound); // truncated address

        (await NothingArrivesAsync(client)).ShouldBeTrue();
        echo.Senders.ShouldBeEmpty();
        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "ok"u8.ToArray()), reply.Bound);
        (await ReceiveDatagramAsync(client)).Payload.ShouldBe("ok"u8.ToArray());
    }

    [Fact]
    public async Task UdpAssociate_DeniedDestination_Dropped()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv4Only;
            o.Destinations.AllowedNetworks.Clear();
        });
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "no"u8.ToArray()), reply.Bound);

        (await NothingArrivesAsync(client)).ShouldBeTrue();
        echo.Senders.ShouldBeEmpty("loopback is not allowed without the allow-list");
    }

    [Fact]
    public async Task UdpAssociate_DatagramFromAnotherAddress_Dropped()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var stranger = UdpClientSocket(IPAddress.Parse("127.0.0.2")); // the control connection came from 127.0.0.1

        await stranger.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "spoof"u8.ToArray()), reply.Bound);

        (await NothingArrivesAsync(stranger)).ShouldBeTrue();
        echo.Senders.ShouldBeEmpty("only the client's own IP may use the association");
    }

    [Fact]
    public async Task UdpAssociate_DeclaredClientPort_OtherPortsDropped()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        using var client = UdpClientSocket(IPAddress.Loopback);
        using var other = UdpClientSocket(IPAddress.Loopback);
        var (control, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.UdpAssociate, (IPEndPoint)client.LocalEndPoint!));
        using var _ = control;
        reply.Code.ShouldBe((byte)0x00);

        await other.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "other"u8.ToArray()), reply.Bound);
        (await NothingArrivesAsync(other)).ShouldBeTrue();
        echo.Senders.ShouldBeEmpty();

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "mine"u8.ToArray()), reply.Bound);
        (await ReceiveDatagramAsync(client)).Payload.ShouldBe("mine"u8.ToArray());
    }

    [Fact]
    public async Task UdpAssociate_ControlConnectionClosed_AssociationEndsAndPortIsReleased()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        var (control, reply) = await AssociateAsync(relay);
        using var client = UdpClientSocket(IPAddress.Loopback);
        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "alive"u8.ToArray()), reply.Bound);
        (await ReceiveDatagramAsync(client)).Payload.ShouldBe("alive"u8.ToArray());
        relay.Stats.ConnectionsActive.ShouldBe(1);

        control.Dispose();

        await relay.WaitForNoActiveConnectionsAsync();
        using (var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            Should.NotThrow(() => rebind.Bind(reply.Bound), "the association's UDP socket is closed with its control connection");
        }

        await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, "dead"u8.ToArray()), reply.Bound);
        (await NothingArrivesAsync(client)).ShouldBeTrue();
        echo.Senders.Count.ShouldBe(1);
    }

    [Fact]
    public async Task UdpAssociate_ControlConnectionQuiet_StaysOpenWhileInUse()
    {
        await using var echo = UdpEchoServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = EgressAddressPolicy.IPv4Only);
        var (control, reply) = await AssociateAsync(relay);
        using var _ = control;
        using var client = UdpClientSocket(IPAddress.Loopback);

        for (var i = 0; i < 3; i++)
        {
            await client.SendToAsync(Socks5Client.UdpDatagram(echo.EndPoint, [(byte)i]), reply.Bound);
            (await ReceiveDatagramAsync(client)).Payload.ShouldBe(new[] { (byte)i });
        }

        (await control.StaysSilentAsync(TimeSpan.FromMilliseconds(100))).ShouldBeTrue("the control connection stays open and silent");
    }

    private static Task<(Socket Control, SocksReply Reply)> AssociateAsync(TestRelay relay) =>
        Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.UdpAssociate, new IPEndPoint(IPAddress.Any, 0)));

    private static Socket UdpClientSocket(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    private static async Task<(IPEndPoint Source, byte[] Payload)> ReceiveDatagramAsync(Socket client)
    {
        var buffer = new byte[65_535];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        return Socks5Client.ParseUdpDatagram(buffer.AsSpan(0, received.ReceivedBytes));
    }

    private static async Task<bool> NothingArrivesAsync(Socket client)
    {
        var buffer = new byte[65_535];
        using var cts = new CancellationTokenSource(Quiet);
        try
        {
            await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true; // ICMP port unreachable: nobody relays there any more
        }
    }
}
