using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

/// <summary>Counts the process's open file descriptors, so it must not run alongside other tests.</summary>
[CollectionDefinition(nameof(SocketLeakTests), DisableParallelization = true)]
public sealed class SocketLeakSerialDefinition;

[Collection(nameof(SocketLeakTests))]
public sealed class SocketLeakTests
{
    [SkippableFact]
    public async Task StopAsync_AfterTunnelsFailuresAndGarbage_EverySocketIsReleased()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "counts /proc/self/fd");
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        var before = await SettledFdCountAsync(expected: null);

        var relay = TestRelay.Start(o => o.DrainTimeout = TimeSpan.FromMilliseconds(200));
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

        await relay.DisposeAsync();
        foreach (var client in clients)
        {
            client.Dispose();
        }

        relay.Stats.ConnectionsActive.ShouldBe(0);
        (await SettledFdCountAsync(expected: before)).ShouldBe(before, "the relay holds no socket after StopAsync");
    }

    // The echo server closes its side asynchronously: wait (bounded) for the count to settle.
    private static async Task<int> SettledFdCountAsync(int? expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var count = Directory.GetFiles("/proc/self/fd").Length;
        while (expected is { } target && count != target && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            count = Directory.GetFiles("/proc/self/fd").Length;
        }

        return count;
    }
}
