using System.Text;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>A small buffered reader over a stream for the test servers and raw clients: heads, lines, exact counts, to the end.</summary>
internal sealed class ByteReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public Stream Stream => stream;

    public int Buffered => _end - _start;

    /// <summary>Reads a head up to and including the blank line; null when the stream ends cleanly before its first byte.</summary>
    public async Task<string?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (index >= 0)
            {
                var head = Encoding.Latin1.GetString(_buffer, _start, index + 4);
                _start += index + 4;
                return head;
            }

            if (!await FillAsync(cancellationToken))
            {
                return Buffered == 0 ? null : throw new EndOfStreamException($"The stream ended inside a head after {Buffered} bytes.");
            }
        }
    }

    /// <summary>Reads one line and returns it without its CRLF.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var index = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (index >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, index);
                _start += index + 2;
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException("The stream ended inside a line.");
            }
        }
    }

    public async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (Buffered == 0 && !await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException($"The stream ended after {filled} of {count} bytes.");
            }

            var take = Math.Min(count - filled, Buffered);
            _buffer.AsSpan(_start, take).CopyTo(result.AsSpan(filled));
            _start += take;
            filled += take;
        }

        return result;
    }

    public async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
    {
        using var result = new MemoryStream();
        do
        {
            result.Write(_buffer, _start, Buffered);
            _start = _end;
        }
        while (await FillAsync(cancellationToken));

        return result.ToArray();
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            if (_end == _buffer.Length)
            {
                throw new InvalidDataException("A head or line is longer than the test reader's buffer.");
            }
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }
}
