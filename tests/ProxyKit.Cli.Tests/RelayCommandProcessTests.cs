using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ProxyKit.Cli.Tests;

public sealed class RelayCommandProcessTests
{
    [Fact]
    public async Task Relays_a_socks5_tunnel_and_prints_stats_on_sigterm()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var echoing = EchoOnceAsync(echo, timeout.Token);

        using var cli = CliProcess.Start("relay", "--listen", "127.0.0.1:0", "--protocol", "socks5", "--policy", "dual", "--allow-private");
        var listening = await cli.ReadLineAsync(timeout.Token);
        var match = Regex.Match(listening, @"^listening on (\S+) \(socks5\)$");
        match.Success.ShouldBeTrue(listening);
        var relay = IPEndPoint.Parse(match.Groups[1].Value);
        relay.Port.ShouldNotBe(0);

        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(relay, timeout.Token);
            await client.SendAsync(new byte[] { 0x05, 0x01, 0x00 }, timeout.Token);
            (await ReceiveExactlyAsync(client, 2, timeout.Token)).ShouldBe(new byte[] { 0x05, 0x00 });
            await client.SendAsync(new byte[] { 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, (byte)(echoPort >> 8), (byte)echoPort }, timeout.Token);
            var reply = await ReceiveExactlyAsync(client, 10, timeout.Token);
            reply[1].ShouldBe((byte)0x00, "SOCKS5 reply code");

            await client.SendAsync("ping"u8.ToArray(), timeout.Token);
            (await ReceiveExactlyAsync(client, 4, timeout.Token)).ShouldBe("ping"u8.ToArray());
        }

        await echoing;
        await cli.SignalAsync("TERM");
        var (exitCode, output, error) = await cli.WaitForExitAsync(timeout.Token);

        exitCode.ShouldBe(0, error);
        output.ShouldContain("SIGTERM: stopping");
        output.ShouldContain("stats:");
        output.ShouldMatch(@"connections accepted\s+1\b");
        output.ShouldMatch(@"connections failed\s+0\b");
        output.ShouldMatch(@"bytes sent\s+4\b");
        output.ShouldMatch(@"bytes received\s+4\b");
        output.ShouldMatch(@"uptime\s+\d\d:\d\d:\d\d\.\d{3}");
    }

    [Theory]
    [InlineData("--egress and --egress-prefix are mutually exclusive", "relay", "--egress", "::1", "--egress-prefix", "2001:db8::/64")]
    [InlineData("--user and --password go together", "relay", "--user", "alice")]
    [InlineData("--listen: 'localhost:1080' is not ADDR:PORT", "relay", "--listen", "localhost:1080")]
    [InlineData("--egress: '2001:db8::zz' is not an IP address", "relay", "--egress", "2001:db8::zz")]
    [InlineData("--protocol: 'socks4' is not one of socks5, http, mixed", "relay", "--protocol", "socks4")]
    public async Task Bad_arguments_exit_with_2_and_say_why(string message, params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var cli = CliProcess.Start(args);

        var (exitCode, output, error) = await cli.WaitForExitAsync(timeout.Token);

        exitCode.ShouldBe(2);
        error.ShouldContain(message);
        error.ShouldContain("Run 'proxykit relay --help' for usage.");
        output.ShouldBeEmpty();
    }

    private static async Task EchoOnceAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        using var connection = await listener.AcceptSocketAsync(cancellationToken);
        var buffer = new byte[1024];
        int read;
        while ((read = await connection.ReceiveAsync(buffer, cancellationToken)) > 0)
        {
            await connection.SendAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"closed after {filled} of {count} bytes");
            }

            filled += read;
        }

        return buffer;
    }
}
