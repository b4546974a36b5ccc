using System.Net;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.PeerSync;

/// <summary>The two read formats, from captured output (no interface needed).</summary>
public sealed class PeerSyncParsingTests
{
    private const string ServerPrivateHex = "704ec4b0154d5954b10e6a304c9ef784d2a42864e5e65a8c88ded4977f591969";
    private const string PeerAHex = "5c89bc70c9be7c5b7e66af8071b8f6a9b5135389b39af3d26f2df47a34f57157";
    private const string PeerBHex = "1111111111111111111111111111111111111111111111111111111111111111";

    private static readonly WireGuardPublicKey PeerA = WireGuardPublicKey.FromHex(PeerAHex);
    private static readonly WireGuardPublicKey PeerB = WireGuardPublicKey.FromHex(PeerBHex);

    [Fact]
    public void Uapi_GetResponse_ParsesPeersHandshakesEndpointsAndTraffic()
    {
        var response = $"""
            private_key={ServerPrivateHex}
            listen_port=51999
            public_key={PeerAHex}
            preshared_key=0000000000000000000000000000000000000000000000000000000000000000
            protocol_version=1
            endpoint=1.2.3.4:5
            last_handshake_time_sec=1763980000
            last_handshake_time_nsec=500000000
            tx_bytes=2048
            rx_bytes=4096
            persistent_keepalive_interval=0
            allowed_ip=10.8.0.10/32
            allowed_ip=10.9.0.0/24
            public_key={PeerBHex}
            endpoint=[2001:db8::1]:51820
            last_handshake_time_sec=0
            last_handshake_time_nsec=0
            tx_bytes=0
            rx_bytes=0
            allowed_ip=fd00::10/128
            errno=0


            """.ReplaceLineEndings("\n");

        var peers = UapiPeerSync.ParseGetResponse("wg0", response);

        peers.Count.ShouldBe(2);
        peers[0].PublicKey.ShouldBe(PeerA);
        peers[0].Endpoint.ShouldBe(IPEndPoint.Parse("1.2.3.4:5"));
        peers[0].LatestHandshake.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1763980000).AddMilliseconds(500));
        peers[0].ReceivedBytes.ShouldBe(4096);
        peers[0].SentBytes.ShouldBe(2048);
        peers[0].AllowedIps.ShouldBe([IPNetwork.Parse("10.8.0.10/32"), IPNetwork.Parse("10.9.0.0/24")]);
        peers[1].PublicKey.ShouldBe(PeerB);
        peers[1].Endpoint.ShouldBe(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51820));
        peers[1].LatestHandshake.ShouldBeNull();
        peers[1].AllowedIps.ShouldBe([IPNetwork.Parse("fd00::10/128")]);
    }

    [Fact]
    public void Uapi_GetResponse_NoPeers_IsEmpty() =>
        UapiPeerSync.ParseGetResponse("wg0", $"private_key={ServerPrivateHex}\nlisten_port=51820\nerrno=0\n\n").ShouldBeEmpty();

    [Fact]
    public void Uapi_NonZeroErrno_ThrowsWithIt_AndNeverThePrivateKey()
    {
        var ex = Should.Throw<WireGuardInterfaceException>(() => UapiPeerSync.ParseGetResponse("wg0", $"private_key={ServerPrivateHex}\nerrno=-22\n\n"));

        ex.Message.ShouldContain("errno=-22");
        ex.Message.ShouldNotContain(ServerPrivateHex);
    }

    [Fact]
    public void Uapi_SetRequest_IsOneTransaction_UpsertsThenRemovals()
    {
        var request = UapiPeerSync.BuildSetRequest([new WireGuardPeer(PeerA, IPNetwork.Parse("10.8.0.10/32"))], [PeerB]);

        request.ShouldBe($"set=1\npublic_key={PeerAHex}\nreplace_allowed_ips=true\nallowed_ip=10.8.0.10/32\npublic_key={PeerBHex}\nremove=true\n\n");
    }

    [Fact]
    public void WgDump_ParsesPeersHandshakesEndpointsAndTraffic()
    {
        var dump = $"""
            cE7EsBVNWVSxDmowTJ73hNKkKGTl5lqMiN7Ul39ZGWk=	WxXikMdjuHse5sxro2QeyZAYi/0V8TifPf5yKHgr0DM=	51999	off
            {PeerA}	(none)	1.2.3.4:5	10.8.0.10/32,10.9.0.0/24	1763980000	4096	2048	25
            {PeerB}	(none)	[2001:db8::1]:51820	fd00::10/128	0	0	0	off
            {WireGuardPublicKey.FromHex(new string('2', 64))}	(none)	(none)	(none)	0	0	0	off

            """.ReplaceLineEndings("\n");

        var peers = WgCommandPeerSync.ParseDump("wg0", dump);

        peers.Count.ShouldBe(3);
        peers[0].PublicKey.ShouldBe(PeerA);
        peers[0].Endpoint.ShouldBe(IPEndPoint.Parse("1.2.3.4:5"));
        peers[0].AllowedIps.ShouldBe([IPNetwork.Parse("10.8.0.10/32"), IPNetwork.Parse("10.9.0.0/24")]);
        peers[0].LatestHandshake.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1763980000));
        peers[0].ReceivedBytes.ShouldBe(4096);
        peers[0].SentBytes.ShouldBe(2048);
        peers[1].Endpoint.ShouldBe(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51820));
        peers[1].LatestHandshake.ShouldBeNull();
        peers[2].Endpoint.ShouldBeNull();
        peers[2].AllowedIps.ShouldBeEmpty();
    }

    [Fact]
    public void WgDump_InterfaceOnly_IsEmpty() =>
        WgCommandPeerSync.ParseDump("wg0", "cE7EsBVNWVSxDmowTJ73hNKkKGTl5lqMiN7Ul39ZGWk=\tWxXikMdjuHse5sxro2QeyZAYi/0V8TifPf5yKHgr0DM=\t51999\toff\n").ShouldBeEmpty();

    [Fact]
    public void WgDump_MalformedLine_ThrowsWithoutEchoingTheInterfaceLine()
    {
        var ex = Should.Throw<WireGuardInterfaceException>(() => WgCommandPeerSync.ParseDump("wg0", "cE7EsBVNWVSxDmowTJ73hNKkKGTl5lqMiN7Ul39ZGWk=\tx\t1\toff\nnot a peer\n"));

        ex.Message.ShouldNotContain("cE7EsBVNWVSxDmowTJ73hNKkKGTl5lqMiN7Ul39ZGWk=");
    }
}
