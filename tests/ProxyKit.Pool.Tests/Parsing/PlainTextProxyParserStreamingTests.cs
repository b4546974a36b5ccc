using System.Globalization;
using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

/// <summary>
/// The plain-text parser cuts lines out of its own buffer: whatever sizes the stream's reads come in, the result must be
/// what reading the document line by line (StreamReader.ReadLine) and parsing each line gives.
/// </summary>
[Collection(JsonCsvLargeDocuments.Name)]
public sealed class PlainTextProxyParserStreamingTests
{
    // Line breaks, bytes that break UTF-8 sequences (0xFF, lone lead bytes) and the grammar's punctuation.
    private static readonly byte[] Noise = [(byte)'\r', (byte)'\n', 0xFF, 0xC3, 0xE2, 0x80, (byte)':', (byte)'@', (byte)'/', (byte)'[', (byte)']', (byte)' ', (byte)'\t', (byte)'%'];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public async Task ParseAsync_AnyReadSizes_SameAsParsingLineByLine(int maxRead)
    {
        var document = Encoding.UTF8.GetBytes(MixedDocument());

        var context = new ProxyParseContext();
        await new PlainTextProxyParser().ParseAsync(new TrickleStream(document, maxRead, seed: maxRead), context);

        var expected = ParseLineByLine(document);
        context.Proxies.ShouldBe(expected.Proxies);
        context.Rejected.ShouldBe(expected.Rejected);
        context.Duplicates.ShouldBe(expected.Duplicates);
        context.Proxies.Count.ShouldBeGreaterThan(20);
    }

    [Fact]
    public async Task ParseAsync_CorruptedBytes_SameAsParsingLineByLine()
    {
        var sample = Encoding.UTF8.GetBytes(MixedDocument());
        var random = new Random(20240611);
        for (var i = 0; i < 40; i++)
        {
            var document = sample[..random.Next(sample.Length + 1)];
            for (var flips = random.Next(20); flips > 0 && document.Length > 0; flips--)
            {
                document[random.Next(document.Length)] = Noise[random.Next(Noise.Length)];
            }

            var context = new ProxyParseContext();
            await new PlainTextProxyParser().ParseAsync(new TrickleStream(document, 5000, seed: i), context);

            var expected = ParseLineByLine(document);
            context.Proxies.ShouldBe(expected.Proxies);
            context.Rejected.ShouldBe(expected.Rejected);
            context.Duplicates.ShouldBe(expected.Duplicates);
        }
    }

    [Fact]
    public async Task ParseAsync_LoneCarriageReturn_EndsALine()
    {
        var context = await ParserTestKit.ParseAsync(new PlainTextProxyParser(), "not a proxy\r192.0.2.1:80\r# 192.0.2.2:80\r\r\n192.0.2.3:80");

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.1", 80, null, null, null), new ParsedProxy("192.0.2.3", 80, null, null, null)]);
        context.Rejected.ShouldBe(1);
    }

    [Fact]
    public async Task ParseAsync_LineLongerThanTheBuffer_IsOneLine()
    {
        var filler = new string('x', 300_000);
        var context = await ParserTestKit.ParseAsync(new PlainTextProxyParser(), $"192.0.2.1:80 {filler} 192.0.2.2:80\n{filler}\n192.0.2.3:80");

        context.Proxies.Select(p => p.Ip).ShouldBe(["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
        context.Rejected.ShouldBe(1, "the line of filler alone yields nothing; the long line with proxies is not rejected");
    }

    [Fact]
    public async Task ParseAsync_50MegabyteList_StreamsWithBoundedMemory()
    {
        const int Records = 1_200_000;
        var context = new ProxyParseContext();
        using var document = new GeneratedDocumentStream(
            "\uFEFF# a big list\r\n",
            i => string.Create(CultureInfo.InvariantCulture, $"socks5://user{i % 7}:pw@10.{i % 5000 / 250}.{i % 250}.1:1080   # seen\r\n"),
            Records,
            string.Empty,
            context);

        await new PlainTextProxyParser().ParseAsync(document, context);

        document.Length.ShouldBeGreaterThan(50L * 1024 * 1024);
        context.Proxies.Count.ShouldBe(5000 * 7, "5,000 addresses, each seen with all 7 users");
        context.Duplicates.ShouldBe(Records - (5000 * 7));
        context.Rejected.ShouldBe(0);
        document.AssertStreamed();
    }

    private static ProxyParseContext ParseLineByLine(byte[] document)
    {
        var context = new ProxyParseContext();
        using var reader = new StreamReader(new MemoryStream(document), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        while (reader.ReadLine() is { } line)
        {
            PlainTextProxyParser.ParseLine(line, context);
        }

        return context;
    }

    private static string MixedDocument()
    {
        var text = new StringBuilder("\uFEFF# list — ünïcode, € and 🙂 in comments\r\n");
        for (var i = 0; i < 60; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"192.0.2.{i % 40}:{8000 + (i % 7)}").Append((i % 4) switch { 0 => "\r\n", 1 => "\n", 2 => "\r", _ => "\r\n\r\n" });
            text.Append(CultureInfo.InvariantCulture, $"socks5h://us%65r{i % 3}:p%C3%A4ss@198.51.100.{i}:1080 http://user{i % 3}:päss@198.51.100.{i}:1080\n");
            text.Append(CultureInfo.InvariantCulture, $"\u00A0 203.0.113.{i}:3128:ü{i % 5}:€pw\u3000\t\n");
            text.Append(CultureInfo.InvariantCulture, $"[2001:DB8::{i:x}]:443 élite 🙂 {(i % 9 == 0 ? "ftp://192.0.2.1:21" : "x1.2.3.4:5")}\n");
        }

        // A line far longer than the parser's buffer, with tokens at both ends and one glued to a multi-byte character.
        text.Append("192.0.2.200:80 ").Append('é', 90_000).Append(" é192.0.2.201:81 ").Append('-', 90_000).Append(" 192.0.2.202:82\r\n");
        text.Append("no proxy here\n   \n#192.0.2.203:83");
        return text.ToString();
    }

    /// <summary>Hands out a document in reads of 1 to <c>maxRead</c> bytes (seeded), splitting lines, CRLFs and UTF-8 sequences.</summary>
    private sealed class TrickleStream(byte[] data, int maxRead, int seed) : MemoryStream(data)
    {
        private readonly Random _random = new(seed);

        // MemoryStream.Read(Span) of a derived type comes back through Read(byte[], ...): only that one is cut short.
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _random.Next(1, maxRead + 1)));

        public override int Read(Span<byte> buffer)
        {
            var bytes = new byte[buffer.Length];
            var read = Read(bytes, 0, bytes.Length);
            bytes.AsSpan(0, read).CopyTo(buffer);
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));
    }
}
