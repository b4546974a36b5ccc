using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>A SOCKS5 reply as a client reads it: the code and the bound address.</summary>
internal sealed record SocksReply(byte Code, IPEndPoint Bound, byte AddressType);

/// <summary>Builds and reads SOCKS5 (RFC 1928 / 1929) messages byte by byte, as a raw test client.</summary>
internal static class Socks5Client
{
    public const byte Connect = 0x01;
    public const byte Bind = 0x02;
    public const byte UdpAssociate = 0x03;

    public static byte[] Greeting(params byte[] methods) => [0x05, (byte)methods.Length, .. methods];

    public static byte[] Credentials(string username, string password)
    {
        var user = Encoding.UTF8.GetBytes(username);
        var pass = Encoding.UTF8.GetBytes(password);
        return [0x01, (byte)user.Length, .. user, (byte)pass.Length, .. pass];
    }

    public static byte[] Request(byte command, IPEndPoint target) => [0x05, command, 0x00, .. Address(target)];

    public static byte[] Request(byte command, string host, int port)
    {
        var name = Encoding.ASCII.GetBytes(host);
        return [0x05, command, 0x00, 0x03, (byte)name.Length, .. name, (byte)(port >> 8), (byte)port];
    }

    /// <summary>ATYP ADDR PORT for an endpoint (IPv4 or IPv6 by its family).</summary>
    public static byte[] Address(IPEndPoint endPoint)
    {
        var atyp = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)0x04 : (byte)0x01;
        return [atyp, .. endPoint.Address.GetAddressBytes(), (byte)(endPoint.Port >> 8), (byte)endPoint.Port];
    }

    /// <summary>A UDP request datagram: RSV RSV FRAG ATYP DST.ADDR DST.PORT DATA.</summary>
    public static byte[] UdpDatagram(IPEndPoint target, byte[] payload, byte fragment = 0) => [0x00, 0x00, fragment, .. Address(target), .. payload];

    public static async Task<byte[]> ReadMethodChoiceAsync(Socket socket) => await socket.ReceiveExactAsync(2);

    public static async Task<SocksReply> ReadReplyAsync(Socket socket)
    {
        var head = await socket.ReceiveExactAsync(4);
        head[0].ShouldBe((byte)0x05, "a reply starts with version 5");
        head[2].ShouldBe((byte)0x00, "RSV is zero");
        var addressLength = head[3] switch
        {
            0x01 => 4,
            0x04 => 16,
            _ => throw new InvalidDataException($"Unexpected ATYP {head[3]} in a reply."),
        };
        var rest = await socket.ReceiveExactAsync(addressLength + 2);
        var address = new IPAddress(rest.AsSpan(0, addressLength));
        var port = BinaryPrimitives.ReadUInt16BigEndian(rest.AsSpan(addressLength));
        return new SocksReply(head[1], new IPEndPoint(address, port), head[3]);
    }

    /// <summary>Parses a UDP reply datagram: returns the source it names and the payload.</summary>
    public static (IPEndPoint Source, byte[] Payload) ParseUdpDatagram(ReadOnlySpan<byte> datagram)
    {
        datagram[0].ShouldBe((byte)0);
        datagram[1].ShouldBe((byte)0);
        datagram[2].ShouldBe((byte)0, "a relayed datagram is never fragmented");
        var addressLength = datagram[3] == 0x04 ? 16 : 4;
        var address = new IPAddress(datagram.Slice(4, addressLength));
        var port = BinaryPrimitives.ReadUInt16BigEndian(datagram.Slice(4 + addressLength, 2));
        return (new IPEndPoint(address, port), datagram[(6 + addressLength)..].ToArray());
    }

    /// <summary>Connects to <paramref name="relay"/>, negotiates no authentication, sends <paramref name="request"/> and reads the reply.</summary>
    public static async Task<(Socket Socket, SocksReply Reply)> HandshakeAsync(TestRelay relay, byte[] request)
    {
        var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Greeting(0x00));
        (await ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x00 });
        await socket.SendAllAsync(request);
        return (socket, await ReadReplyAsync(socket));
    }
}
