using System.Buffers;
using System.Text.Json;

namespace ProxyKit.Pool.Parsing;

/// <summary>
/// A pull reader of JSON tokens over a stream, holding only a small window of bytes: a <see cref="Utf8JsonReader"/>
/// is rebuilt for each token from the saved <see cref="JsonReaderState"/>, and the window is refilled (and grown only
/// for a single token longer than it) when a token is incomplete. Also splits raw lines for JSON Lines.
/// </summary>
internal sealed class StructuredJsonReader : IDisposable
{
    /// <summary>The longest JSON Lines line kept; a longer line is skipped as one rejected record.</summary>
    public const int MaxLineBytes = 1024 * 1024;

    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream? _stream;
    private readonly JsonReaderOptions _options;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private JsonReaderState _state;
    private char[] _text = ArrayPool<char>.Shared.Rent(256);
    private int _textLength;

    /// <summary>Reads <paramref name="stream"/>, which may hold several top-level values (JSON Lines).</summary>
    public StructuredJsonReader(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        _options = new JsonReaderOptions { AllowMultipleValues = true, AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
        _state = new JsonReaderState(_options);
    }

    /// <summary>Reads one complete JSON value already in memory (a JSON Lines line); anything after it is an error.</summary>
    public StructuredJsonReader(ReadOnlySpan<byte> value)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(value.Length, 16));
        value.CopyTo(_buffer);
        _end = value.Length;
        _eof = true;
        _options = new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };
        _state = new JsonReaderState(_options);
    }

    /// <summary>Gets the current token's type.</summary>
    public JsonTokenType TokenType { get; private set; }

    /// <summary>Gets the current token's depth (a start token and its end token share one).</summary>
    public int Depth { get; private set; }

    /// <summary>Gets the unescaped text of the current string or property name, or the raw text of a number; valid until the next read.</summary>
    public ReadOnlySpan<char> Text => _text.AsSpan(0, _textLength);

    /// <summary>Gets the bytes buffered but not yet read.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Gets whether the stream has ended (everything left is in <see cref="Buffered"/>).</summary>
    public bool EndOfStream => _eof;

    /// <summary>Reads the next token; false at the end of the input.</summary>
    /// <exception cref="JsonException">The JSON is malformed.</exception>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryReadToken())
            {
                return true;
            }

            if (_eof)
            {
                return false;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Skips the value whose first token is current (nothing to do for a scalar).</summary>
    public async ValueTask SkipAsync(CancellationToken cancellationToken)
    {
        if (TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var depth = Depth;
        while (await ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Depth == depth && TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return;
            }
        }
    }

    /// <summary>Buffers at least <paramref name="count"/> bytes, or up to the end of the stream.</summary>
    public async ValueTask EnsureBufferedAsync(int count, CancellationToken cancellationToken)
    {
        while (!_eof && _end - _start < count)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Skips <paramref name="count"/> buffered bytes (a BOM, a line already handled).</summary>
    public void Advance(int count) => _start += count;

    /// <summary>
    /// Reads the next raw line (without its line break); a line longer than <see cref="MaxLineBytes"/> is skipped and
    /// returned as <see cref="LineResult.TooLong"/>.
    /// </summary>
    public async ValueTask<(LineResult Result, ReadOnlyMemory<byte> Line)> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = 0;
        var tooLong = false;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, scanned + newline);
                _start += scanned + newline + 1;
                return tooLong ? (LineResult.TooLong, default) : (LineResult.Line, line);
            }

            if (_eof)
            {
                if (_start == _end && !tooLong)
                {
                    return (LineResult.End, default);
                }

                var line = _buffer.AsMemory(_start, _end - _start);
                _start = _end;
                return tooLong ? (LineResult.TooLong, default) : (LineResult.Line, line);
            }

            scanned = _end - _start;
            if (scanned >= MaxLineBytes)
            {
                tooLong = true; // drop what we have: the line is rejected whole
                _start = _end;
                scanned = 0;
            }

            await FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<char>.Shared.Return(_text);
        _buffer = [];
        _text = [];
    }

    private bool TryReadToken()
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, _state);
        if (!reader.Read())
        {
            return false;
        }

        TokenType = reader.TokenType;
        Depth = reader.CurrentDepth;
        _textLength = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.String or JsonTokenType.PropertyName:
                var needed = reader.ValueSpan.Length; // unescaped text is never longer than its escaped bytes
                if (_text.Length < needed)
                {
                    ArrayPool<char>.Shared.Return(_text);
                    _text = ArrayPool<char>.Shared.Rent(needed);
                }

                try
                {
                    _textLength = reader.CopyString(_text);
                }
                catch (InvalidOperationException)
                {
                    // Invalid UTF-8 inside one string: keep reading the document; the text (replacement characters) fails any address rule.
                    _textLength = System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, _text);
                }

                break;
            case JsonTokenType.Number:
                if (_text.Length < reader.ValueSpan.Length)
                {
                    ArrayPool<char>.Shared.Return(_text);
                    _text = ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
                }

                _textLength = System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, _text);
                break;
        }

        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        return true;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_stream is null)
        {
            _eof = true;
            return;
        }

        var pending = _end - _start;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            (_start, _end) = (0, pending);
        }

        if (_end == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2); // one token longer than the window
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }

    /// <summary>What <see cref="ReadLineAsync"/> found.</summary>
    public enum LineResult
    {
        /// <summary>A line.</summary>
        Line,

        /// <summary>A line too long to keep, skipped.</summary>
        TooLong,

        /// <summary>The end of the input.</summary>
        End,
    }
}
