using System.Buffers;
using System.Globalization;
using System.Text;

namespace ProxyKit.Pool.Checking;

/// <summary>A status line and headers.</summary>
internal sealed record HttpResponseHead(int StatusCode, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// Reads SOCKS replies and HTTP/1.x responses from a proxy connection with bounded buffering: a 16 KiB head, a caller
/// cap on bodies. Anything that is not what was asked for becomes a <see cref="ProxyCheckFailure"/>.
/// </summary>
internal sealed class HttpResponseReader(Stream stream)
{
    private const int BufferSize = 16 * 1024;
    private static readonly byte[] HttpPrefix = "HTTP/"u8.ToArray();
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    public Stream Stream { get; } = stream;

    /// <summary>Reads exactly <paramref name="count"/> bytes (a SOCKS reply).</summary>
    public async ValueTask<byte[]> ReadBytesAsync(int count, string what, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw _end - _start == 0 && what.Length > 0
                    ? new ProxyCheckFailure($"proxy closed the connection without answering the {what}")
                    : new ProxyCheckFailure($"proxy closed the connection in the middle of the {what}");
            }
        }

        var bytes = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return bytes;
    }

    /// <summary>Looks at the first byte of the answer without consuming it.</summary>
    public async ValueTask<byte> PeekAsync(string what, CancellationToken cancellationToken)
    {
        if (_end - _start == 0 && await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new ProxyCheckFailure($"proxy closed the connection without answering the {what}");
        }

        return _buffer[_start];
    }

    public async ValueTask<HttpResponseHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var prefix = Math.Min(available.Length, HttpPrefix.Length);
            if (!available[..prefix].SequenceEqual(HttpPrefix.AsSpan(0, prefix)))
            {
                throw new ProxyCheckFailure($"wrong protocol: the answer is not HTTP (first byte 0x{available[0]:x2})", wrongProtocol: true);
            }

            var end = available.IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Parse(available[..end]);
                _start += end + 4;
                if (head.StatusCode is >= 100 and < 200 && head.StatusCode != 101)
                {
                    continue; // 100 Continue and friends: the real answer follows.
                }

                return head;
            }

            var read = await FillAsync(cancellationToken).ConfigureAwait(false);
            if (read < 0)
            {
                throw new ProxyCheckFailure($"HTTP answer head larger than {BufferSize / 1024} KiB");
            }

            if (read == 0)
            {
                throw new ProxyCheckFailure(_end - _start == 0
                    ? "proxy closed the connection without answering"
                    : "proxy closed the connection in the middle of the HTTP answer head");
            }
        }
    }

    /// <summary>Reads the body of <paramref name="head"/> (Content-Length, chunked, or up to the end of the connection), at most <paramref name="maxBytes"/>.</summary>
    public async ValueTask<byte[]> ReadBodyAsync(HttpResponseHead head, int maxBytes, CancellationToken cancellationToken)
    {
        var body = new ArrayBufferWriter<byte>(Math.Min(maxBytes, 4096));
        if (head.Headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                var semicolon = line.IndexOf(';', StringComparison.Ordinal);
                var sizeText = (semicolon >= 0 ? line[..semicolon] : line).Trim();
                if (!long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
                {
                    throw new ProxyCheckFailure("malformed chunked body");
                }

                if (size == 0)
                {
                    while ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0)
                    {
                        // trailers
                    }

                    return body.WrittenSpan.ToArray();
                }

                await CopyAsync(size, body, maxBytes, cancellationToken).ConfigureAwait(false);
                if ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length != 0)
                {
                    throw new ProxyCheckFailure("malformed chunked body");
                }
            }
        }

        if (head.Headers.TryGetValue("Content-Length", out var lengthText))
        {
            if (!long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw new ProxyCheckFailure("malformed Content-Length");
            }

            await CopyAsync(length, body, maxBytes, cancellationToken).ConfigureAwait(false);
            return body.WrittenSpan.ToArray();
        }

        await CopyAsync(long.MaxValue, body, maxBytes, cancellationToken).ConfigureAwait(false);
        return body.WrittenSpan.ToArray();
    }

    private async ValueTask CopyAsync(long count, ArrayBufferWriter<byte> body, int maxBytes, CancellationToken cancellationToken)
    {
        var toEnd = count == long.MaxValue;
        while (count > 0)
        {
            if (_end == _start)
            {
                var read = await FillAsync(cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (toEnd)
                    {
                        return;
                    }

                    throw new ProxyCheckFailure("connection closed in the middle of the body");
                }
            }

            var take = (int)Math.Min(count, _end - _start);
            if (body.WrittenCount + take > maxBytes)
            {
                throw new ProxyCheckFailure($"answer larger than {maxBytes.ToString(CultureInfo.InvariantCulture)} bytes");
            }

            body.Write(_buffer.AsSpan(_start, take));
            _start += take;
            count -= take;
        }
    }

    private async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var available = _buffer.AsSpan(_start, _end - _start);
            var newline = available.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.Latin1.GetString(available[..newline]).TrimEnd('\r');
                _start += newline + 1;
                return line;
            }

            var read = await FillAsync(cancellationToken).ConfigureAwait(false);
            if (read <= 0)
            {
                throw new ProxyCheckFailure(read == 0 ? "connection closed in the middle of the body" : "malformed chunked body");
            }
        }
    }

    /// <summary>Reads more bytes: the count, 0 at the end of the stream, -1 when the buffer is full.</summary>
    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length && _start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            return -1;
        }

        var read = await Stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        return read;
    }

    private static HttpResponseHead Parse(ReadOnlySpan<byte> head)
    {
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 999)
        {
            throw new ProxyCheckFailure("malformed HTTP status line", wrongProtocol: true);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
        }

        return new HttpResponseHead(code, headers);
    }
}
