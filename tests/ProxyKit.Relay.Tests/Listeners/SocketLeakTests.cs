using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

/// <summary>Reads the process's descriptor table, so it runs apart from other tests.</summary>
[CollectionDefinition(nameof(SocketLeakTests), DisableParallelization = true)]
public sealed class SocketLeakSerialDefinition;

[Collection(nameof(SocketLeakTests))]
public sealed class SocketLeakTests
{
    [SkippableFact]
    public async Task StopAsync_AfterTunnelsFailuresAndGarbage_EverySocketIsReleased()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc/self/fd and /proc/net/tcp");
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);

        var relay = TestRelay.Start(o => o.DrainTimeout = TimeSpan.FromMilliseconds(200));
        var relayPort = relay.EndPoint.Port;
        var clients = new List<Socket>();
        for (var i = 0; i < 20; i++)
        {
            var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
            reply.Code.ShouldBe((byte)0x00);
            clients.Add(socket);
        }

        for (var i = 0; i < 20; i++)
        {
            using var garbage = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await garbage.ConnectAsync(relay.EndPoint);
            await garbage.SendAsync(new byte[] { 0x47, 0x00, 0xFF, (byte)i }, SocketFlags.None);
            garbage.Shutdown(SocketShutdown.Send);
        }

        // The listener, 20 accepted client sockets, 20 outbound tunnels and our 20 client ends at least.
        RelaySockets(relayPort, echo.EndPoint.Port).ShouldBeGreaterThanOrEqualTo(61, "the probe sees the relay's sockets");

        await relay.DisposeAsync();
        foreach (var client in clients)
        {
            client.Dispose();
        }

        relay.Stats.ConnectionsActive.ShouldBe(0);
        (await SettledRelaySocketsAsync(relayPort, echo.EndPoint.Port)).ShouldBe(0, "the relay holds no socket after StopAsync");
    }

    private static async Task<int> SettledRelaySocketsAsync(int relayPort, int echoPort)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var count = RelaySockets(relayPort, echoPort);
        while (count != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            count = RelaySockets(relayPort, echoPort);
        }

        return count;
    }

    // Counting every descriptor is fragile (earlier tests' sockets are finalized at any moment), so only
    // sockets this process holds that touch the relay's port, or point at the echo target (the tunnels'
    // outbound legs), are counted. The echo server's own accepted sockets are its business, not the relay's.
    private static int RelaySockets(int relayPort, int echoPort)
    {
        var ours = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    ours.Add(target[8..^1]);
                }
            }
            catch (IOException)
            {
                // Closed between listing and reading.
            }
        }

        var count = 0;
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = Port(fields[1]);
                var remote = Port(fields[2]);
                if (ours.Contains(fields[9]) && (local == relayPort || remote == relayPort || remote == echoPort))
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static int Port(string hexEndpoint) =>
        int.Parse(hexEndpoint.AsSpan(hexEndpoint.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
