using System.Buffers;
using System.Net.Sockets;

namespace ProxyKit.Relay.Tunnels;

/// <summary>
/// Relays bytes both ways between two connected sockets. Each direction waits with a zero-byte receive and rents a
/// pooled buffer only while data flows, so an idle tunnel holds no buffer; end of stream in one direction is
/// forwarded as a half-close (<see cref="SocketShutdown.Send"/>) and the other direction keeps going until it ends too.
/// </summary>
internal static class Tunnel
{
    private const int BufferSize = 256 * 1024;

    public static async Task RunAsync(
        Socket client,
        Socket upstream,
        ReadOnlyMemory<byte> pendingUpstream,
        Action<int> onSent,
        Action<int> onReceived,
        ConnectionActivity activity,
        BandwidthLimiter? limiter,
        CancellationToken cancellationToken)
    {
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!pendingUpstream.IsEmpty)
        {
            await upstream.SendAsync(pendingUpstream, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            onSent(pendingUpstream.Length);
        }

        var up = PumpAsync(client, upstream, onSent, activity, limiter, broken);
        var down = PumpAsync(upstream, client, onReceived, activity, limiter, broken);
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    // Never throws: a reset or cancellation in one direction cancels the other and ends the tunnel.
    private static async Task PumpAsync(Socket from, Socket to, Action<int> onBytes, ConnectionActivity activity, BandwidthLimiter? limiter, CancellationTokenSource broken)
    {
        var cancellationToken = broken.Token;
        byte[]? buffer = null;
        try
        {
            while (true)
            {
                await from.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                do
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }

                    if (limiter is not null)
                    {
                        await limiter.WaitAsync(read, cancellationToken).ConfigureAwait(false);
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    onBytes(read);
                    activity.Touch();
                }
                while (from.Available > 0);

                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            await broken.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
