using System.Net.Sockets;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>How a read-until-closed ended.</summary>
internal sealed record ClosedRead(byte[] Data, bool Reset);

/// <summary>Bounded socket reads and writes for tests: every wait has a timeout and fails with a message when it passes.</summary>
internal static class SocketExtensions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    public static async Task SendAllAsync(this Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; fails if the peer closes first or the timeout passes.</summary>
    public static async Task<byte[]> ReceiveExactAsync(this Socket socket, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var buffer = new byte[count];
        var filled = 0;
        try
        {
            while (filled < count)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    throw new EndOfStreamException($"The peer closed after {filled} of {count} bytes.");
                }

                filled += read;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"Received {filled} of {count} bytes within {timeout ?? DefaultTimeout}.");
        }

        return buffer;
    }

    /// <summary>Reads until the peer closes (FIN or reset); fails if it is still open when the timeout passes.</summary>
    public static async Task<ClosedRead> ReceiveUntilClosedAsync(this Socket socket, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        using var data = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    return new ClosedRead(data.ToArray(), Reset: false);
                }

                data.Write(buffer, 0, read);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return new ClosedRead(data.ToArray(), Reset: true);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"The peer did not close within {timeout ?? DefaultTimeout} ({data.Length} bytes received).");
        }
    }

    /// <summary>Collects whatever arrives for <paramref name="window"/> (or until the peer closes or resets); never throws for time.</summary>
    public static async Task<byte[]> ReceiveForAsync(this Socket socket, TimeSpan window)
    {
        using var cts = new CancellationTokenSource(window);
        using var data = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    break;
                }

                data.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        catch (SocketException)
        {
        }

        return data.ToArray();
    }

    /// <summary>Returns true when nothing arrives (and the peer does not close) within <paramref name="quiet"/>.</summary>
    public static async Task<bool> StaysSilentAsync(this Socket socket, TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        try
        {
            await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, cts.Token);
            return false;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
