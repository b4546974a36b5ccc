using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Bench;

internal enum ProxyProtocol
{
    Socks5,
    HttpConnect,
}

/// <summary>
/// Opens client connections to a loopback target either directly or through a proxy (SOCKS5 CONNECT without
/// authentication, or HTTP CONNECT), returning the socket once the tunnel is up. Handshakes are done by hand, one
/// message at a time as ordinary clients do, so every proxy is driven the same way.
/// </summary>
internal sealed class ProxyDialer
{
    private ProxyDialer(string name, IPEndPoint? proxy, ProxyProtocol protocol)
    {
        Name = name;
        Proxy = proxy;
        Protocol = protocol;
    }

    public static ProxyDialer Direct { get; } = new("direct", null, ProxyProtocol.Socks5);

    public string Name { get; }

    public IPEndPoint? Proxy { get; }

    public ProxyProtocol Protocol { get; }

    public static ProxyDialer Through(string name, IPEndPoint proxy, ProxyProtocol protocol) => new(name, proxy, protocol);

    public async Task<Socket> ConnectAsync(IPEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Proxy ?? target, cancellationToken);
            if (Proxy is not null && Protocol == ProxyProtocol.Socks5)
            {
                await Socks5Async(socket, target, cancellationToken);
            }
            else if (Proxy is not null)
            {
                await HttpConnectAsync(socket, target, cancellationToken);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Receives exactly <paramref name="buffer"/>.Length bytes.</summary>
    /// <exception cref="EndOfStreamException">The peer closed first.</exception>
    public static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("The connection closed mid-message.");
            }

            buffer = buffer[read..];
        }
    }

    private static async Task Socks5Async(Socket socket, IPEndPoint target, CancellationToken cancellationToken)
    {
        var buffer = new byte[262];
        await socket.SendAsync(new byte[] { 0x05, 0x01, 0x00 }, SocketFlags.None, cancellationToken);
        await ReceiveExactlyAsync(socket, buffer.AsMemory(0, 2), cancellationToken);
        if (buffer[0] != 0x05 || buffer[1] != 0x00)
        {
            throw new IOException($"SOCKS5: the proxy chose method 0x{buffer[1]:x2}, not 'no authentication'.");
        }

        var address = target.Address.GetAddressBytes();
        var request = new byte[4 + address.Length + 2];
        request[0] = 0x05;
        request[1] = 0x01; // CONNECT
        request[3] = address.Length == 4 ? (byte)0x01 : (byte)0x04;
        address.CopyTo(request, 4);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4 + address.Length), (ushort)target.Port);
        await socket.SendAsync(request, SocketFlags.None, cancellationToken);

        // VER REP RSV ATYP, then the bound address (length by type) and port.
        await ReceiveExactlyAsync(socket, buffer.AsMemory(0, 4), cancellationToken);
        if (buffer[1] != 0x00)
        {
            throw new IOException($"SOCKS5: CONNECT refused with reply 0x{buffer[1]:x2}.");
        }

        var rest = buffer[3] switch
        {
            0x01 => 4 + 2,
            0x04 => 16 + 2,
            0x03 => -1,
            _ => throw new IOException($"SOCKS5: unknown address type 0x{buffer[3]:x2} in the reply."),
        };
        if (rest < 0)
        {
            await ReceiveExactlyAsync(socket, buffer.AsMemory(0, 1), cancellationToken);
            rest = buffer[0] + 2;
        }

        await ReceiveExactlyAsync(socket, buffer.AsMemory(0, rest), cancellationToken);
    }

    private static async Task HttpConnectAsync(Socket socket, IPEndPoint target, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"), SocketFlags.None, cancellationToken);

        // The targets used here never speak first, so everything up to the blank line is the proxy's answer.
        var buffer = new byte[4096];
        var filled = 0;
        while (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) < 0)
        {
            if (filled == buffer.Length)
            {
                throw new IOException("HTTP CONNECT: the response head is too large.");
            }

            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException("HTTP CONNECT: the proxy closed before answering.");
            }

            filled += read;
        }

        var status = Encoding.ASCII.GetString(buffer, 0, buffer.AsSpan(0, filled).IndexOf("\r\n"u8));
        if (!status.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) && !status.StartsWith("HTTP/1.0 200", StringComparison.Ordinal))
        {
            throw new IOException($"HTTP CONNECT: {status}");
        }
    }
}
