using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Bench;

/// <summary>
/// The targets of the relay bench, on 127.0.0.1: a sink that reads and discards everything and counts the bytes, and an
/// echo server. The echo server waits for data with a zero-byte receive and rents a buffer only while bytes arrive, so
/// an idle connection costs it (nearly) nothing beyond the socket.
/// </summary>
internal sealed class LoopbackServers : IDisposable
{
    private const int SinkBufferSize = 64 * 1024;
    private readonly Socket _sink;
    private readonly Socket _echo;
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private long _sinkBytes;
    private long _echoOpen;

    public LoopbackServers()
    {
        _sink = Listen();
        _echo = Listen();
        _ = AcceptAsync(_sink, SinkAsync);
        _ = AcceptAsync(_echo, EchoAsync);
    }

    public IPEndPoint SinkEndPoint => (IPEndPoint)_sink.LocalEndPoint!;

    public IPEndPoint EchoEndPoint => (IPEndPoint)_echo.LocalEndPoint!;

    /// <summary>Gets every byte the sink has received.</summary>
    public long SinkBytes => Interlocked.Read(ref _sinkBytes);

    /// <summary>Gets the echo server's open connections.</summary>
    public long EchoOpen => Interlocked.Read(ref _echoOpen);

    public void Dispose()
    {
        _sink.Dispose();
        _echo.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }
    }

    private static Socket Listen()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(4096);
        return socket;
    }

    private async Task AcceptAsync(Socket listener, Func<Socket, Task> serve)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }

            connection.NoDelay = true;
            _connections[connection] = 0;
            _ = ServeAsync(connection, serve);
        }
    }

    private async Task ServeAsync(Socket connection, Func<Socket, Task> serve)
    {
        try
        {
            await serve(connection);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The client reset or the bench is shutting down.
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            connection.Dispose();
        }
    }

    private async Task SinkAsync(Socket connection)
    {
        var buffer = new byte[SinkBufferSize];
        int read;
        while ((read = await connection.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            Interlocked.Add(ref _sinkBytes, read);
        }
    }

    private async Task EchoAsync(Socket connection)
    {
        Interlocked.Increment(ref _echoOpen);
        try
        {
            while (true)
            {
                await connection.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
                try
                {
                    var read = await connection.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        return;
                    }

                    await connection.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _echoOpen);
        }
    }
}
