using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Pool.Tests.Fetching;

/// <summary>
/// A scripted HTTP/1.1 server on 127.0.0.1 (an OS-chosen port; nothing binds outside loopback). Every request gets a
/// fresh connection (responses say <c>Connection: close</c>) and is answered by the test's handler, which can send a
/// whole response, drip a body, stream chunks, never answer, or drop the connection. Counts connections, requests
/// and body bytes it managed to send.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<LoopbackExchange, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<LoopbackRequest> _requests = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _connectionCount;
    private int _requestNumber;
    private long _bodyBytesSent;

    private LoopbackHttpServer(Func<LoopbackExchange, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    public int RequestCount => _requests.Count;

    public IReadOnlyList<LoopbackRequest> Requests => [.. _requests];

    /// <summary>Gets how many body bytes were written to the socket without error.</summary>
    public long BodyBytesSent => Interlocked.Read(ref _bodyBytesSent);

    public static LoopbackHttpServer Start(Func<LoopbackExchange, Task> handler) => new(handler);

    /// <summary>Starts a server answering every request with <paramref name="status"/> and a text body.</summary>
    public static LoopbackHttpServer Always(int status, string body = "", string contentType = "text/plain; charset=utf-8") =>
        Start(exchange => exchange.RespondAsync(status, Encoding.UTF8.GetBytes(body), ("Content-Type", contentType)));

    public Uri Url(string pathAndQuery = "/") => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{pathAndQuery}");

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    internal void CountBodyBytes(int count) => Interlocked.Add(ref _bodyBytesSent, count);

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            _connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        await Task.Yield();
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream, _stopping.Token);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                await _handler(new LoopbackExchange(this, client, request, _stopping.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (or the server is stopping): that is what several tests provoke.
            }
        }
    }

    private async Task<LoopbackRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0 || head.Count > 32 * 1024)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return new LoopbackRequest(Interlocked.Increment(ref _requestNumber), requestLine[0], requestLine[1], headers, Stopwatch.GetTimestamp());
    }
}

/// <summary>A request the server read: its 1-based number, method, request target, headers and when it arrived (<see cref="Stopwatch"/> timestamp).</summary>
internal sealed record LoopbackRequest(int Number, string Method, string Target, IReadOnlyDictionary<string, string> Headers, long ReceivedAt);

/// <summary>One request being answered.</summary>
internal sealed class LoopbackExchange(LoopbackHttpServer server, TcpClient client, LoopbackRequest request, CancellationToken stopping)
{
    private readonly NetworkStream _stream = client.GetStream();

    public LoopbackRequest Request { get; } = request;

    public CancellationToken Stopping { get; } = stopping;

    /// <summary>Sends a complete response with Content-Length.</summary>
    public async Task RespondAsync(int status, byte[] body, params (string Name, string Value)[] headers)
    {
        await WriteHeadAsync(status, [.. headers, ("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture))]);
        await WriteBodyAsync(body);
    }

    /// <summary>Sends the status line and headers (plus <c>Connection: close</c>); the body is up to the caller.</summary>
    public async Task WriteHeadAsync(int status, params (string Name, string Value)[] headers)
    {
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} Status{status}\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), Stopping);
        await _stream.FlushAsync(Stopping);
    }

    /// <summary>Writes raw body bytes, counting them once written.</summary>
    public async Task WriteBodyAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes, Stopping);
        server.CountBodyBytes(bytes.Length);
    }

    /// <summary>Writes one chunk of a <c>Transfer-Encoding: chunked</c> body.</summary>
    public async Task WriteChunkAsync(ReadOnlyMemory<byte> chunk)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"), Stopping);
        await WriteBodyAsync(chunk);
        await _stream.WriteAsync("\r\n"u8.ToArray(), Stopping);
    }

    /// <summary>Ends a chunked body.</summary>
    public Task EndChunksAsync() => _stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Stopping).AsTask();

    /// <summary>Never answers: waits until the client closes the connection (or the server stops).</summary>
    public async Task HangAsync()
    {
        var buffer = new byte[1];
        while (await _stream.ReadAsync(buffer, Stopping) > 0)
        {
        }
    }

    /// <summary>Drops the connection at once with a TCP reset.</summary>
    public void Abort()
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }
}
