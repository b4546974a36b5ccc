using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>A request as the test HTTP server received it.</summary>
internal sealed record ReceivedRequest(int ConnectionId, IPEndPoint Remote, HttpHead Head, byte[] Body, byte[] RawBody)
{
    public string Method => Head.StartLineParts[0];

    public string Target => Head.StartLineParts[1];
}

/// <summary>
/// A minimal HTTP/1.1 origin server on one local address, for end-to-end tests behind the relay. It keeps connections
/// alive (unless asked to close), reads request bodies framed by Content-Length or chunked, counts the connections it
/// accepts, and answers by path:
/// <list type="bullet">
/// <item><c>/source</c>: the client's source address as the body.</item>
/// <item><c>/echo</c>: the request body.</item>
/// <item><c>/chunked</c>: <see cref="ChunkedBody"/>, chunked, with an extension and a trailer.</item>
/// <item><c>/until-close</c>: a body without length, ended by closing the connection.</item>
/// <item><c>/hop</c>: a response carrying hop-by-hop headers the relay must remove.</item>
/// <item><c>/big</c>: <see cref="BigBodyLength"/> bytes.</item>
/// <item>anything else: <c>hello {path}</c>.</item>
/// </list>
/// Every response carries <c>X-Connection-Id</c>, the server-side number of the connection it was sent on.
/// </summary>
internal sealed class TestHttpServer : IAsyncDisposable
{
    public const string ChunkedBody = "5\r\nhello\r\n7;ext=1\r\n, world\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n";
    public const int BigBodyLength = 300_000;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly Task _acceptLoop;
    private int _accepted;

    private TestHttpServer(IPAddress address)
    {
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(64);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int Port => EndPoint.Port;

    public int ConnectionsAccepted => Volatile.Read(ref _accepted);

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>The authority (<c>host:port</c>, IPv6 in brackets) of the server.</summary>
    public string Authority => EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]:{Port}" : $"{EndPoint.Address}:{Port}";

    public static TestHttpServer Start(IPAddress address) => new(address);

    /// <summary>The absolute-form URL of <paramref name="path"/> exactly as given (a Uri's ToString would unescape it).</summary>
    public string Url(string path) => $"http://{Authority}{path}";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
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

            var id = Interlocked.Increment(ref _accepted);
            _connections[id] = ServeAsync(id, socket);
        }
    }

    private async Task ServeAsync(int id, Socket socket)
    {
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new ByteReader(stream);
        try
        {
            while (true)
            {
                var raw = await reader.ReadHeadAsync(_stop.Token);
                if (raw is null)
                {
                    return;
                }

                var head = HttpHead.Parse(raw);
                var (body, rawBody) = await HttpWire.ReadBodyAsync(reader, head, untilCloseAllowed: false, _stop.Token);
                var request = new ReceivedRequest(id, remote, head, body, rawBody);
                _requests.Enqueue(request);
                var close = head.HasToken("Connection", "close") || head.StartLineParts[2] == "HTTP/1.0";
                var keepGoing = await RespondAsync(stream, request, close);
                if (close || !keepGoing)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the server is stopping.
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or OverflowException)
        {
            // A request this server cannot frame: close, as a strict origin would.
        }
    }

    private static async Task<bool> RespondAsync(NetworkStream stream, ReceivedRequest request, bool close)
    {
        var path = request.Target.StartsWith('/') ? request.Target : new Uri(request.Target).PathAndQuery;
        var common = $"X-Connection-Id: {request.ConnectionId}\r\n" + (close ? "Connection: close\r\n" : string.Empty);
        string head;
        byte[] body;
        var keepGoing = true;
        switch (path)
        {
            case "/chunked":
                head = $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{common}\r\n";
                body = Encoding.Latin1.GetBytes(ChunkedBody);
                break;
            case "/until-close":
                head = $"HTTP/1.1 200 OK\r\n{common}Connection: close\r\n\r\n";
                body = "the body ends when the connection does"u8.ToArray();
                keepGoing = false;
                break;
            case "/hop":
                head = $"HTTP/1.1 200 OK\r\n{common}Connection: X-Hop-Secret\r\nX-Hop-Secret: 1\r\nKeep-Alive: timeout=5\r\nX-End-To-End: kept\r\nContent-Length: 2\r\n\r\n";
                body = "ok"u8.ToArray();
                break;
            default:
                body = path switch
                {
                    "/source" => Encoding.ASCII.GetBytes(request.Remote.Address.ToString()),
                    "/echo" => request.Body,
                    "/big" => BigBody(),
                    _ => Encoding.ASCII.GetBytes($"hello {path}"),
                };
                head = $"HTTP/1.1 200 OK\r\n{common}Content-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n";
                break;
        }

        await stream.WriteAsync(Encoding.Latin1.GetBytes(head));
        if (request.Method != "HEAD")
        {
            await stream.WriteAsync(body);
        }

        return keepGoing;
    }

    public static byte[] BigBody() => [.. Enumerable.Range(0, BigBodyLength).Select(i => (byte)(i * 7 % 251))];
}
