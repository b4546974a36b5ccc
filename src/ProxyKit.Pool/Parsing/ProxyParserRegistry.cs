namespace ProxyKit.Pool.Parsing;

/// <summary>The registered parsers by name, and auto-detection over them (built-ins are asked in registration order, structured formats first).</summary>
public sealed class ProxyParserRegistry
{
    private readonly Dictionary<string, IProxySourceParser> _byName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a registry.</summary>
    /// <exception cref="InvalidOperationException">Two parsers share a name.</exception>
    public ProxyParserRegistry(IEnumerable<IProxySourceParser> parsers)
    {
        ArgumentNullException.ThrowIfNull(parsers);
        Parsers = [.. parsers];
        foreach (var parser in Parsers)
        {
            if (!_byName.TryAdd(parser.Name, parser))
            {
                throw new InvalidOperationException(
                    $"Two proxy source parsers are named '{parser.Name}' ({_byName[parser.Name].GetType().Name} and {parser.GetType().Name}); parser names must be unique.");
            }
        }
    }

    /// <summary>Gets every parser, in the order they are asked during auto-detection.</summary>
    public IReadOnlyList<IProxySourceParser> Parsers { get; }

    /// <summary>Gets the parser named <paramref name="name"/> (case-insensitive), or <see langword="null"/>.</summary>
    public IProxySourceParser? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Gets the first parser that supports the document, or <see langword="null"/> when none does.</summary>
    public IProxySourceParser? Detect(ProxyDocumentProbe probe) => Parsers.FirstOrDefault(p => p.Supports(probe));

    /// <summary>Parses <paramref name="content"/> with the named parser, or the detected one when <paramref name="parserName"/> is <see langword="null"/>.</summary>
    /// <returns>The context with the findings, and the parser used; <see langword="null"/> when the name is unknown or nothing supports the content.</returns>
    public async Task<(ProxyParseContext Context, IProxySourceParser Parser)?> ParseAsync(
        Stream content, string? parserName, string? defaultProtocol, string? contentType = null, string? fileName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        IProxySourceParser? parser;
        var head = new byte[ProxyDocumentProbe.HeadLength];
        var length = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (parserName is not null)
        {
            parser = Find(parserName);
        }
        else
        {
            parser = Detect(new ProxyDocumentProbe(head.AsMemory(0, length), contentType, fileName));
        }

        if (parser is null)
        {
            return null;
        }

        var context = new ProxyParseContext(defaultProtocol);
        using var whole = new PrefixedStream(head.AsMemory(0, length), content); // disposing it leaves content open: the caller owns that
        await parser.ParseAsync(whole, context, cancellationToken).ConfigureAwait(false);
        return (context, parser);
    }

    /// <summary>Replays the sniffed head, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> head, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _head = head;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!_head.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _head.Length);
                _head.Span[..n].CopyTo(buffer);
                _head = _head[n..];
                return n;
            }

            return rest.Read(buffer);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_head.IsEmpty)
            {
                var n = Math.Min(buffer.Length, _head.Length);
                _head[..n].CopyTo(buffer);
                _head = _head[n..];
                return n;
            }

            return await rest.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
