using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Tests.Support;
using ProxyKit.Relay.Tunnels;

namespace ProxyKit.Relay.Tests.Tunnels;

/// <summary>The pooled reader behind handshakes and HTTP framing: source bytes go in at <c>Left</c>, the reader reads <c>Right</c>.</summary>
public sealed class BufferedSocketReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task FillAsync_MoreDataThanTheCap_NeverBuffersBeyondIt()
    {
        using var pair = await SocketPair.CreateAsync();
        using var reader = new BufferedSocketReader(pair.Right, 600);
        await pair.Left.SendAllAsync(new byte[5000]);
        using var cts = new CancellationTokenSource(Timeout);

        while (!reader.IsFull)
        {
            (await reader.FillAsync(cts.Token)).ShouldBeTrue();
        }

        reader.Count.ShouldBe(600);
        await Should.ThrowAsync<InvalidOperationException>(async () => await reader.FillAsync(cts.Token));
        reader.Consume(100);
        reader.IsFull.ShouldBeFalse();
    }

    [Fact]
    public async Task FillAsync_EndOfStream_ReturnsFalse()
    {
        using var pair = await SocketPair.CreateAsync();
        using var reader = new BufferedSocketReader(pair.Right, 1024);
        pair.Left.Shutdown(SocketShutdown.Send);
        using var cts = new CancellationTokenSource(Timeout);

        (await reader.FillAsync(cts.Token)).ShouldBeFalse();
        reader.Count.ShouldBe(0);
    }

    [Fact]
    public async Task CopyExactAsync_StreamEndsEarly_ReturnsFalse()
    {
        using var pair = await SocketPair.CreateAsync();
        using var sink = await SocketPair.CreateAsync();
        using var reader = new BufferedSocketReader(pair.Right, 1024);
        await pair.Left.SendAllAsync(new byte[10]);
        pair.Left.Shutdown(SocketShutdown.Send);
        var copied = 0;
        using var cts = new CancellationTokenSource(Timeout);

        (await reader.CopyExactAsync(20, sink.Left, n => copied += n, cts.Token)).ShouldBeFalse();
        copied.ShouldBe(10);
    }

    [Fact]
    public async Task CopyChunkedAsync_WellFormed_CopiedVerbatimAndStopsAtTheEnd()
    {
        const string body = "3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n";
        using var pair = await SocketPair.CreateAsync();
        using var sink = await SocketPair.CreateAsync();
        using var reader = new BufferedSocketReader(pair.Right, 1024);
        await pair.Left.SendAllAsync(Encoding.ASCII.GetBytes(body + "NEXT"));
        using var cts = new CancellationTokenSource(Timeout);

        (await reader.CopyChunkedAsync(sink.Left, _ => { }, cts.Token)).ShouldBeTrue();

        Encoding.ASCII.GetString(await sink.Right.ReceiveExactAsync(body.Length)).ShouldBe(body);
        while (reader.Count < 4)
        {
            await reader.FillAsync(cts.Token);
        }

        Encoding.ASCII.GetString(reader.Buffered[..4]).ShouldBe("NEXT", "nothing past the body is consumed");
    }

    [Theory]
    [InlineData("zz\r\n")]
    [InlineData("-1\r\n")]
    [InlineData("ffffffffffffffff\r\n")] // wraps to -1 as a signed 64-bit number
    [InlineData("5\r\nabc")] // truncated chunk data
    [InlineData("0\r\nTrailer: x\r\n")] // truncated trailer section
    public async Task CopyChunkedAsync_MalformedOrTruncated_ReturnsFalse(string body)
    {
        using var pair = await SocketPair.CreateAsync();
        using var sink = await SocketPair.CreateAsync();
        using var reader = new BufferedSocketReader(pair.Right, 1024);
        await pair.Left.SendAllAsync(Encoding.ASCII.GetBytes(body));
        pair.Left.Shutdown(SocketShutdown.Send);
        using var cts = new CancellationTokenSource(Timeout);

        (await reader.CopyChunkedAsync(sink.Left, _ => { }, cts.Token)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("7fffffffffffffff")]
    [InlineData("7ffffffffffffffe")]
    public async Task CopyChunkedAsync_ChunkSizeNearLongMaxValue_NotTreatedAsComplete(string size)
    {
        // The declared chunk is ~9.2 EB; the stream ends right after a "last chunk" that is really chunk data.
        // Reporting this body complete lets the relay reuse a connection whose framing it has lost (response splitting).
        using var pair = await SocketPair.CreateAsync();
        using var sink = await SocketPair.CreateAsync();
        using var reader = new BufferedSocketReader(pair.Right, 1024);
        await pair.Left.SendAllAsync(Encoding.ASCII.GetBytes($"{size}\r\n0\r\n\r\n"));
        pair.Left.Shutdown(SocketShutdown.Send);
        using var cts = new CancellationTokenSource(Timeout);

        var complete = await reader.CopyChunkedAsync(sink.Left, _ => { }, cts.Token);

        complete.ShouldBeFalse("the stream ended long before the declared chunk size: the body is truncated");
    }
}
