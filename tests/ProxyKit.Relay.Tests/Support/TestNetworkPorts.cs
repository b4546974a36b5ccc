using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>Ports nothing listens on, for either loopback family.</summary>
internal static class TestNetworkPorts
{
    /// <summary>A TCP port on <paramref name="address"/> that nothing listens on right now (the OS picks it; released before returning).</summary>
    public static int UnusedPort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
