using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

/// <summary>What every parser's tests share: parsing a string, a seeded corruption run, and a stream that fails.</summary>
internal static class ParserTestKit
{
    public static Task<ProxyParseContext> ParseAsync(IProxySourceParser parser, string text, string? defaultProtocol = null) =>
        ParseAsync(parser, Encoding.UTF8.GetBytes(text), defaultProtocol);

    public static async Task<ProxyParseContext> ParseAsync(IProxySourceParser parser, byte[] document, string? defaultProtocol = null)
    {
        var context = new ProxyParseContext(defaultProtocol);
        await parser.ParseAsync(new MemoryStream(document), context);
        return context;
    }

    /// <summary>Truncates and corrupts <paramref name="sample"/> 300 times (seeded): the parser never throws and reports only valid ports.</summary>
    public static async Task ParsesCorruptedDocumentsWithoutThrowingAsync(IProxySourceParser parser, string sample)
    {
        var bytes = Encoding.UTF8.GetBytes(sample);
        var random = new Random(20240610);
        for (var i = 0; i < 300; i++)
        {
            var document = bytes[..random.Next(bytes.Length + 1)];
            for (var flips = random.Next(4); flips > 0 && document.Length > 0; flips--)
            {
                document[random.Next(document.Length)] = (byte)"<>\"'{}[],;\t\r\n:@/x\u00ff"[random.Next(18)];
            }

            var context = await ParseAsync(parser, document);
            context.Proxies.ShouldAllBe(p => p.Port >= 1 && p.Port <= 65535);
        }
    }

    /// <summary>A connection that resets on the first read.</summary>
    public sealed class BrokenStream : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("connection reset");

        public override int Read(Span<byte> buffer) => throw new IOException("connection reset");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("connection reset"));
    }
}
