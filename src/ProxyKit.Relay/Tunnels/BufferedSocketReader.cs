using System.Buffers;
using System.Globalization;
using System.Net.Sockets;

namespace ProxyKit.Relay.Tunnels;

/// <summary>
/// Reads a socket through a pooled buffer capped at a maximum size, for handshakes and HTTP message framing.
/// The buffer is rented only when bytes arrive (a zero-byte receive waits first) and returned when empty, so an
/// idle connection holds none.
/// </summary>
internal sealed class BufferedSocketReader(Socket socket, int maxBuffered) : IDisposable
{
    private const int InitialSize = 4096;
    private const int CopyChunk = 64 * 1024;
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public ReadOnlySpan<byte> Buffered => _buffer is null ? default : _buffer.AsSpan(_start, _end - _start);

    public ReadOnlyMemory<byte> BufferedMemory => _buffer is null ? default : _buffer.AsMemory(_start, _end - _start);

    public int Count => _end - _start;

    public bool IsFull => Count >= maxBuffered;

    public void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            Release();
        }
    }

    /// <summary>Reads more bytes into the buffer; returns false at end of stream.</summary>
    /// <exception cref="InvalidOperationException">The buffer already holds <c>maxBuffered</c> bytes.</exception>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (IsFull)
        {
            throw new InvalidOperationException("The read buffer is full.");
        }

        if (_buffer is null)
        {
            // Wait for data before holding a buffer.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialSize, maxBuffered));
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            Grow();
        }

        var read = await socket.ReceiveAsync(_buffer.AsMemory(_end, Math.Min(_buffer.Length, _start + maxBuffered) - _end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _end += read;
        return read > 0;
    }

    /// <summary>Copies exactly <paramref name="count"/> bytes to <paramref name="destination"/>; false if the stream ended first.</summary>
    public async ValueTask<bool> CopyExactAsync(long count, Socket destination, Action<int> onCopied, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (Count == 0 && !await FillRawAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var take = (int)Math.Min(count, Count);
            await destination.SendAsync(BufferedMemory[..take], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            onCopied(take);
            Consume(take);
            count -= take;
        }

        return true;
    }

    /// <summary>Copies until the source ends.</summary>
    public async ValueTask CopyToEndAsync(Socket destination, Action<int> onCopied, CancellationToken cancellationToken)
    {
        while (Count > 0 || await FillRawAsync(cancellationToken).ConfigureAwait(false))
        {
            var take = Count;
            await destination.SendAsync(BufferedMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            onCopied(take);
            Consume(take);
        }
    }

    /// <summary>Copies one chunked body, passing its framing through unchanged; false when malformed or truncated.</summary>
    public async ValueTask<bool> CopyChunkedAsync(Socket destination, Action<int> onCopied, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line < 0)
            {
                return false;
            }

            var text = System.Text.Encoding.ASCII.GetString(Buffered[..line]).TrimEnd('\r', '\n');
            var semicolon = text.IndexOf(';', StringComparison.Ordinal);
            var sizeText = (semicolon >= 0 ? text[..semicolon] : text).Trim();
            // A size near long.MaxValue would overflow "size + CRLF" below and pass as already copied.
            if (sizeText.Length is 0 or > 15 || !long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                return false;
            }

            if (!await CopyExactAsync(line, destination, onCopied, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (size == 0)
            {
                // Trailer section: header lines until an empty line.
                while (true)
                {
                    var trailer = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
                    if (trailer < 0)
                    {
                        return false;
                    }

                    var empty = trailer <= 2 && Buffered[..trailer].Trim("\r\n"u8).IsEmpty;
                    if (!await CopyExactAsync(trailer, destination, onCopied, cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }

                    if (empty)
                    {
                        return true;
                    }
                }
            }

            if (!await CopyExactAsync(size + 2, destination, onCopied, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
    }

    public void Dispose() => Release();

    // Returns the length of the next line including '\n', buffering as needed; -1 on end of stream or an overlong line.
    private async ValueTask<int> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Buffered.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return newline + 1;
            }

            if (IsFull || Count > 8192 || !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return -1;
            }
        }
    }

    // Fill for bulk copies: a larger buffer, still rented only once data is there.
    private async ValueTask<bool> FillRawAsync(CancellationToken cancellationToken)
    {
        if (_buffer is null)
        {
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            _buffer = ArrayPool<byte>.Shared.Rent(CopyChunk);
            _start = _end = 0;
        }

        var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _end += read;
        if (read == 0 && Count == 0)
        {
            Release();
        }

        return read > 0;
    }

    private void Grow()
    {
        var count = Count;
        var size = count * 2 <= _buffer!.Length ? _buffer.Length : Math.Min(_buffer.Length * 2, Math.Max(maxBuffered, InitialSize));
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(_start, count).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
        _start = 0;
        _end = count;
    }

    private void Release()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _start = _end = 0;
    }
}
