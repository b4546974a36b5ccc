using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>
/// A TCP server on one local address that runs <c>handler</c> for every accepted connection and remembers each
/// client's endpoint as the server saw it. <see cref="Echo"/> echoes until the client half-closes, then half-closes too.
/// </summary>
internal sealed class TcpTestServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<IPEndPoint> _remotes = new();
    private readonly ConcurrentQueue<Socket> _sockets = new();
    private readonly ConcurrentQueue<Task> _connections = new();
    private readonly Task _acceptLoop;

    private TcpTestServer(IPAddress address, Func<Socket, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(64);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The client endpoints, as this server saw them, in accept order.</summary>
    public IReadOnlyList<IPEndPoint> Remotes => [.. _remotes];

    public static TcpTestServer Echo(IPAddress address) => new(address, EchoAsync);

    public static TcpTestServer Start(IPAddress address, Func<Socket, CancellationToken, Task> handler) => new(address, handler);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static async Task EchoAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAllAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _remotes.Enqueue((IPEndPoint)socket.RemoteEndPoint!);
            _sockets.Enqueue(socket);
            _connections.Enqueue(RunAsync(socket));
        }
    }

    private async Task RunAsync(Socket socket)
    {
        try
        {
            await _handler(socket, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The peer went away or the server is stopping.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
