using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>Two connected loopback TCP sockets, for driving internal stream code directly.</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket left, Socket right)
    {
        Left = left;
        Right = right;
    }

    public Socket Left { get; }

    public Socket Right { get; }

    public static async Task<SocketPair> CreateAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var left = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await left.ConnectAsync(listener.LocalEndPoint!);
        var right = await listener.AcceptAsync();
        return new SocketPair(left, right);
    }

    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
    }
}
