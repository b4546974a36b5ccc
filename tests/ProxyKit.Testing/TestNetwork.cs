using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Testing;

/// <summary>Loopback helpers for tests that start or point at real sockets.</summary>
public static class TestNetwork
{
    /// <summary>Gets a loopback port nothing listens on right now (the OS picks it; it is released before returning).</summary>
    public static int UnusedLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
