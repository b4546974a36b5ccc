using System.Globalization;
using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

/// <summary>The large-document tests measure the process heap, so they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class JsonCsvLargeDocuments
{
    public const string Name = "Structured parsers, large documents";
}

[Collection(JsonCsvLargeDocuments.Name)]
public sealed class JsonProxyParserStreamingTests
{
    private const int Records = 52_000;
    private const int Unique = 5_000;

    [Fact]
    public async Task ParseAsync_50MegabyteArray_StreamsWithBoundedMemory()
    {
        var padding = new string('x', 900);
        var context = new ProxyParseContext();
        using var document = new GeneratedDocumentStream(
            "{\"total\": 52000, \"proxies\": [\n",
            i => string.Create(CultureInfo.InvariantCulture, $"{(i == 0 ? " " : ",")}{{\"ip\": \"10.{i % Unique / 250}.{i % Unique % 250}.1\", \"port\": 8080, \"protocols\": [\"http\"], \"alive\": false, \"export_address\": \"203.0.113.7:3128\", \"notes\": \"{padding}\"}}\n"),
            Records,
            "]}\n",
            context);

        await new JsonProxyParser().ParseAsync(document, context);

        document.Length.ShouldBeGreaterThan(50L * 1024 * 1024);
        context.Proxies.Count.ShouldBe(Unique);
        context.Duplicates.ShouldBe(Records - Unique);
        context.Rejected.ShouldBe(0);
        document.AssertStreamed();
    }
}

/// <summary>
/// A document generated while it is read (it never exists whole in memory) that watches its reader: how far reading ran
/// ahead of the records the parser had reported, and the heap after each garbage collection during the parse.
/// </summary>
internal sealed class GeneratedDocumentStream : Stream
{
    private readonly IEnumerator<byte[]> _pieces;
    private readonly ProxyParseContext _context;
    private readonly long _baselineHeap;
    private byte[] _current = [];
    private int _offset;
    private long _produced;
    private int _recordsProduced;
    private long _averageRecordBytes = 1;

    public GeneratedDocumentStream(string prefix, Func<int, string> record, int count, string suffix, ProxyParseContext context)
    {
        _context = context;
        _pieces = Pieces(prefix, record, count, suffix).GetEnumerator();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        _baselineHeap = GC.GetGCMemoryInfo().HeapSizeBytes;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>Gets how many bytes were produced (the document size, once read to the end).</summary>
    public override long Length => _produced;

    public override long Position { get => _produced; set => throw new NotSupportedException(); }

    /// <summary>Gets the most bytes the reader ever held beyond the records the parser had reported.</summary>
    public long MaxReadAheadBytes { get; private set; }

    /// <summary>Gets the largest heap growth over the baseline seen after a collection during the parse.</summary>
    public long MaxHeapGrowthBytes { get; private set; }

    public void AssertStreamed()
    {
        MaxReadAheadBytes.ShouldBeLessThan(4L * 1024 * 1024, "the parser must report records as it reads, not read the document first");
        MaxHeapGrowthBytes.ShouldBeLessThan(Length / 2, "the heap must stay well below the document size");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Observe();
        var written = 0;
        while (written < buffer.Length)
        {
            if (_offset == _current.Length)
            {
                if (!_pieces.MoveNext())
                {
                    break;
                }

                _current = _pieces.Current;
                _offset = 0;
            }

            var n = Math.Min(buffer.Length - written, _current.Length - _offset);
            _current.AsSpan(_offset, n).CopyTo(buffer[written..]);
            (_offset, written) = (_offset + n, written + n);
        }

        _produced += written;
        return written;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pieces.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Observe()
    {
        var reported = _context.Proxies.Count + _context.Duplicates + _context.Rejected;
        MaxReadAheadBytes = Math.Max(MaxReadAheadBytes, (_recordsProduced - reported) * _averageRecordBytes);
        MaxHeapGrowthBytes = Math.Max(MaxHeapGrowthBytes, GC.GetGCMemoryInfo().HeapSizeBytes - _baselineHeap);
    }

    private IEnumerable<byte[]> Pieces(string prefix, Func<int, string> record, int count, string suffix)
    {
        yield return Encoding.UTF8.GetBytes(prefix);
        for (var i = 0; i < count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(record(i));
            _averageRecordBytes = Math.Max(_averageRecordBytes, bytes.Length);
            _recordsProduced = i; // this record is only partly handed out until the next one is asked for
            yield return bytes;
        }

        _recordsProduced = count;
        yield return Encoding.UTF8.GetBytes(suffix);
    }
}
