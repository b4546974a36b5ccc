using System.Runtime.ExceptionServices;

namespace ProxyKit.Pool.Fetching;

/// <summary>
/// The body of a source as it arrives: counts the bytes (after decompression) and fails past the cap, holds reads to
/// the fetch's deadline, and reports a dropped connection as a <see cref="SourceFetchException"/>. A few leading bytes
/// can be peeked (to sniff a byte order mark) and are replayed to the reader. Never buffers the body.
/// </summary>
internal sealed class SourceContentStream(Stream inner, long maxBytes, string displayUrl, TimeSpan totalTimeout, CancellationToken deadline) : Stream
{
    private byte[] _head = [];
    private int _headOffset;
    private long _bytesRead;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Gets how many body bytes have been read from the connection (decompressed).</summary>
    public long BytesRead => _bytesRead;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Reads up to <paramref name="count"/> leading bytes (fewer at the end of the body); reads replay them.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        var head = new byte[count];
        var length = 0;
        while (length < count)
        {
            var read = await ReadFromNetworkAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        _head = head[..length];
        _headOffset = 0;
        return _head;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryReadHead(buffer.Span, out var copied))
        {
            return copied;
        }

        return await ReadFromNetworkAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    // Synchronous reads check the deadline between reads only; the parsers read asynchronously.
    public override int Read(Span<byte> buffer)
    {
        if (TryReadHead(buffer, out var copied))
        {
            return copied;
        }

        ThrowIfFailed();
        if (deadline.IsCancellationRequested)
        {
            throw Fail(FetchErrors.TotalTimeout(displayUrl, totalTimeout, null));
        }

        int read;
        try
        {
            read = inner.Read(Bounded(buffer));
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Fail(FetchErrors.BodyNetwork(displayUrl, e));
        }

        return Count(read);
    }

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
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private bool TryReadHead(Span<byte> buffer, out int copied)
    {
        copied = Math.Min(buffer.Length, _head.Length - _headOffset);
        if (copied <= 0)
        {
            copied = 0;
            return false;
        }

        _head.AsSpan(_headOffset, copied).CopyTo(buffer);
        _headOffset += copied;
        return true;
    }

    private async ValueTask<int> ReadFromNetworkAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline) : null;
        int read;
        try
        {
            read = await inner.ReadAsync(Bounded(buffer), linked?.Token ?? deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
        catch (Exception e) when (deadline.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException)
        {
            throw Fail(FetchErrors.TotalTimeout(displayUrl, totalTimeout, e));
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Fail(FetchErrors.BodyNetwork(displayUrl, e));
        }
        finally
        {
            linked?.Dispose();
        }

        return Count(read);
    }

    // Never asks for more than one byte past the cap, so going over it is noticed without reading further.
    private Memory<byte> Bounded(Memory<byte> buffer) => buffer[..(int)Math.Min(buffer.Length, maxBytes - _bytesRead + 1)];

    private Span<byte> Bounded(Span<byte> buffer) => buffer[..(int)Math.Min(buffer.Length, maxBytes - _bytesRead + 1)];

    private int Count(int read)
    {
        _bytesRead += read;
        if (_bytesRead > maxBytes)
        {
            throw Fail(FetchErrors.TooLarge(displayUrl, maxBytes));
        }

        return read;
    }

    // Remembers the failure (later reads repeat it) and drops the connection rather than draining it.
    private SourceFetchException Fail(SourceFetchException failure)
    {
        _failure = ExceptionDispatchInfo.Capture(failure);
        inner.Dispose();
        return failure;
    }

    private void ThrowIfFailed() => _failure?.Throw();
}
