using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

/// <summary>
/// A few hundred seeded random clients against a live Mixed listener: each sends noise (or a mutated valid handshake),
/// half-closes, and reads until the relay closes. No connection may hang, crash or stay open. Upstream connects go to
/// a connector that refuses everything, so nothing leaves the host whatever the noise asks for.
/// </summary>
public sealed class RelayListenerFuzzTests
{
    private const int Clients = 300;

    private static readonly byte[][] Seeds =
    [
        [0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x03, 0x06, .. "a.test"u8, 0x01, 0xBB],
        [0x05, 0x01, 0x00, 0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0],
        [0x05, 0x02, 0x00, 0x02, 0x01, 0x01, (byte)'u', 0x01, (byte)'p', 0x05, 0x01, 0x00, 0x01, 192, 0, 2, 1, 0, 80],
        .. new[]
        {
            "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n",
            "GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\n\r\n",
            "POST http://a.test/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        }.Select(Encoding.ASCII.GetBytes),
    ];

    [Fact]
    public async Task LiveListener_SeededRandomClients_AllClosedNoCrashNothingLeftOpen()
    {
        var connector = new FakeOutboundConnector(OutboundError.ConnectionRefused);
        await using var relay = TestRelay.Start(o =>
        {
            o.Protocol = RelayProtocol.Mixed;
            o.HandshakeTimeout = TimeSpan.FromSeconds(2);
            o.MaxHandshakeBytes = 1024;
        }, connector);
        var random = new Random(12345);
        var inputs = Enumerable.Range(0, Clients).Select(_ => NextInput(random)).ToArray();
        using var parallel = new SemaphoreSlim(8);

        var results = await Task.WhenAll(inputs.Select(async input =>
        {
            await parallel.WaitAsync();
            try
            {
                return await RunClientAsync(relay, input);
            }
            finally
            {
                parallel.Release();
            }
        }));

        results.Where(r => r is not null).ShouldBeEmpty();
        await relay.WaitForNoActiveConnectionsAsync(TimeSpan.FromSeconds(10));
        var stats = relay.Stats;
        stats.ConnectionsAccepted.ShouldBe(Clients);
        stats.ConnectionsFailed.ShouldBeInRange(1, Clients);
        relay.ShouldHaveNoCrashes();
    }

    private static byte[] NextInput(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                var noise = new byte[random.Next(0, 600)];
                random.NextBytes(noise);
                return noise;
            case 1:
                var socksish = new byte[random.Next(1, 64)];
                random.NextBytes(socksish);
                socksish[0] = 0x05;
                return socksish;
            default:
                return Socks5.Socks5ProtocolFuzzTests.Mutate(Seeds[random.Next(Seeds.Length)], random);
        }
    }

    // Returns null on success, or what went wrong.
    private static async Task<string?> RunClientAsync(TestRelay relay, byte[] input)
    {
        using var socket = await relay.ConnectAsync();
        try
        {
            await socket.SendAllAsync(input);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The relay already gave up on these bytes and reset the connection: that is a close too.
            return null;
        }

        try
        {
            await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));
            return null;
        }
        catch (TimeoutException)
        {
            return $"not closed within 5 s after input {Convert.ToHexString(input)}";
        }
    }
}
