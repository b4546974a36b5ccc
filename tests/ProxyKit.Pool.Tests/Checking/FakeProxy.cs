using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Pool.Tests.Checking;

/// <summary>How a scripted HTTP proxy behaves.</summary>
internal sealed record FakeHttpBehaviour
{
    public bool AllowGet { get; init; } = true;

    public bool AllowConnect { get; init; } = true;

    /// <summary>Headers the proxy adds to forwarded requests, given the client's address.</summary>
    public Func<IPAddress, IEnumerable<(string Name, string Value)>>? AddHeaders { get; init; }

    /// <summary>The <c>user:password</c> the proxy requires (else 407).</summary>
    public string? RequiredCredentials { get; init; }

    /// <summary>A delay before answering each request.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Sends the head and half the body, then stalls.</summary>
    public bool StallMidBody { get; init; }

    /// <summary>Answers GETs with a fixed page without contacting the judge.</summary>
    public string? CannedPage { get; init; }

    /// <summary>Rewrites every digit of the answer body (same length): the token no longer matches.</summary>
    public bool TamperBody { get; init; }
}

/// <summary>
/// A scripted proxy on its own loopback address (127.0.0.x). Outgoing connections are bound to that address, so the
/// judge sees the proxy's address as the exit, as it would on the internet.
/// </summary>
internal sealed class FakeProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeProxy, NetworkStream, Socket, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _flapDown = 1; // The first run's TCP probe flips it up.

    private FakeProxy(IPAddress address, Func<FakeProxy, NetworkStream, Socket, CancellationToken, Task> serve)
    {
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _serve = serve;
        _acceptLoop = AcceptAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public IPAddress Address => EndPoint.Address;

    public static FakeProxy Http(IPAddress address, FakeHttpBehaviour behaviour) =>
        new(address, (proxy, stream, client, ct) => proxy.ServeHttpAsync(stream, client, behaviour, null, ct));

    /// <summary>An HTTP proxy that fails every other run: a bare TCP connect (the runner's stage 1) flips it up or down.</summary>
    public static FakeProxy Flapping(IPAddress address) =>
        new(address, async (proxy, stream, client, ct) =>
        {
            var first = new byte[1];
            if (await stream.ReadAsync(first, ct) == 0)
            {
                Interlocked.Exchange(ref proxy._flapDown, proxy._flapDown ^ 1);
                return;
            }

            if (Volatile.Read(ref proxy._flapDown) == 1)
            {
                await FakeWire.ReadHeadAsync(stream, ct, first[0]);
                await WriteAsync(stream, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                return;
            }

            await proxy.ServeHttpAsync(stream, client, new FakeHttpBehaviour(), first[0], ct);
        });

    public static FakeProxy Socks5(IPAddress address, string? user = null, string? password = null) =>
        new(address, (proxy, stream, _, ct) => proxy.ServeSocks5Async(stream, user, password, ct));

    public static FakeProxy Socks4(IPAddress address) =>
        new(address, (proxy, stream, _, ct) => proxy.ServeSocks4Async(stream, ct));

    /// <summary>Accepts connections and never answers.</summary>
    public static FakeProxy Blackhole(IPAddress address) =>
        new(address, (_, _, _, ct) => Task.Delay(Timeout.Infinite, ct));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stopping.Dispose();
    }

    private static Task WriteAsync(Stream stream, string text, CancellationToken ct) => stream.WriteAsync(Encoding.Latin1.GetBytes(text), ct).AsTask();

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var _ = socket;
        try
        {
            await using var stream = new NetworkStream(socket);
            await _serve(this, stream, socket, _stopping.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException or FormatException)
        {
            // Clients (the checkers) drop connections on purpose.
        }
    }

    private async Task<NetworkStream> ConnectUpstreamAsync(string host, int port, CancellationToken ct)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        upstream.Bind(new IPEndPoint(Address, 0));
        await upstream.ConnectAsync(IPAddress.Parse(host), port, ct);
        return new NetworkStream(upstream, ownsSocket: true);
    }

    private static async Task RelayAsync(Stream a, Stream b, CancellationToken ct)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await Task.WhenAny(a.CopyToAsync(b, both.Token), b.CopyToAsync(a, both.Token));
        await both.CancelAsync();
    }

    private async Task ServeHttpAsync(NetworkStream stream, Socket client, FakeHttpBehaviour behaviour, byte? first, CancellationToken ct)
    {
        var firstByte = new byte[1];
        if (first is null)
        {
            if (await stream.ReadAsync(firstByte, ct) == 0)
            {
                return;
            }

            first = firstByte[0];
        }

        if (!char.IsAsciiLetterUpper((char)first.Value))
        {
            await WriteAsync(stream, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
            return;
        }

        var head = await FakeWire.ReadHeadAsync(stream, ct, first);
        if (head is null)
        {
            return;
        }

        if (behaviour.Delay > TimeSpan.Zero)
        {
            await Task.Delay(behaviour.Delay, ct);
        }

        if (behaviour.RequiredCredentials is { } credentials
            && head.Header("Proxy-Authorization") != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)))
        {
            await WriteAsync(stream, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"fake\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
            return;
        }

        var parts = head.RequestLine.Split(' ');
        if (parts[0] == "CONNECT")
        {
            if (!behaviour.AllowConnect)
            {
                await WriteAsync(stream, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                return;
            }

            var colon = parts[1].LastIndexOf(':');
            await using var tunnel = await ConnectUpstreamAsync(parts[1][..colon], int.Parse(parts[1][(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), ct);
            await WriteAsync(stream, "HTTP/1.1 200 Connection established\r\n\r\n", ct);
            await RelayAsync(stream, tunnel, ct);
            return;
        }

        if (!behaviour.AllowGet || !parts[1].StartsWith("http://", StringComparison.Ordinal))
        {
            await WriteAsync(stream, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
            return;
        }

        if (behaviour.CannedPage is { } page)
        {
            var bytes = Encoding.UTF8.GetByteCount(page);
            await WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {bytes}\r\nConnection: close\r\n\r\n{page}", ct);
            return;
        }

        var url = new Uri(parts[1]);
        var forwarded = new StringBuilder($"GET {url.PathAndQuery} HTTP/1.1\r\n");
        foreach (var (name, value) in head.Headers.Where(h => !h.Name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase)))
        {
            forwarded.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        foreach (var (name, value) in behaviour.AddHeaders?.Invoke(((IPEndPoint)client.RemoteEndPoint!).Address) ?? [])
        {
            forwarded.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        forwarded.Append("\r\n");
        byte[] answer;
        await using (var upstream = await ConnectUpstreamAsync(url.Host, url.Port, ct))
        {
            await WriteAsync(upstream, forwarded.ToString(), ct);
            using var buffer = new MemoryStream();
            await upstream.CopyToAsync(buffer, ct);
            answer = buffer.ToArray();
        }

        var bodyStart = answer.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        if (behaviour.TamperBody)
        {
            for (var i = bodyStart; i < answer.Length; i++)
            {
                if (answer[i] is >= (byte)'0' and <= (byte)'9')
                {
                    answer[i] = (byte)('0' + ((answer[i] - '0' + 1) % 10));
                }
            }
        }

        if (behaviour.StallMidBody)
        {
            await stream.WriteAsync(answer.AsMemory(0, bodyStart + ((answer.Length - bodyStart) / 2)), ct);
            await Task.Delay(Timeout.Infinite, ct);
        }

        await stream.WriteAsync(answer, ct);
    }

    private async Task ServeSocks5Async(NetworkStream stream, string? user, string? password, CancellationToken ct)
    {
        var head = new byte[2];
        await stream.ReadExactlyAsync(head, ct);
        if (head[0] != 5)
        {
            await stream.WriteAsync(new byte[] { 5, 0xFF }, ct);
            return;
        }

        var methods = new byte[head[1]];
        await stream.ReadExactlyAsync(methods, ct);
        var wanted = user is null ? (byte)0 : (byte)2;
        if (!methods.Contains(wanted))
        {
            await stream.WriteAsync(new byte[] { 5, 0xFF }, ct);
            return;
        }

        await stream.WriteAsync(new byte[] { 5, wanted }, ct);
        if (user is not null)
        {
            var version = new byte[2];
            await stream.ReadExactlyAsync(version, ct);
            var name = new byte[version[1]];
            await stream.ReadExactlyAsync(name, ct);
            var length = new byte[1];
            await stream.ReadExactlyAsync(length, ct);
            var secret = new byte[length[0]];
            await stream.ReadExactlyAsync(secret, ct);
            var ok = Encoding.UTF8.GetString(name) == user && Encoding.UTF8.GetString(secret) == password;
            await stream.WriteAsync(new byte[] { 1, ok ? (byte)0 : (byte)1 }, ct);
            if (!ok)
            {
                return;
            }
        }

        var request = new byte[4];
        await stream.ReadExactlyAsync(request, ct);
        string host;
        if (request[3] == 1)
        {
            var ip = new byte[4];
            await stream.ReadExactlyAsync(ip, ct);
            host = new IPAddress(ip).ToString();
        }
        else
        {
            var length = new byte[1];
            await stream.ReadExactlyAsync(length, ct);
            var name = new byte[length[0]];
            await stream.ReadExactlyAsync(name, ct);
            host = Encoding.ASCII.GetString(name) == "localhost" ? "127.0.0.1" : Encoding.ASCII.GetString(name);
        }

        var port = new byte[2];
        await stream.ReadExactlyAsync(port, ct);
        await using var upstream = await ConnectUpstreamAsync(host, (port[0] << 8) | port[1], ct);
        await stream.WriteAsync(new byte[] { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, ct);
        await RelayAsync(stream, upstream, ct);
    }

    private async Task ServeSocks4Async(NetworkStream stream, CancellationToken ct)
    {
        var request = new byte[8];
        await stream.ReadExactlyAsync(request, ct);
        var one = new byte[1];
        do
        {
            await stream.ReadExactlyAsync(one, ct);
        }
        while (one[0] != 0);

        await using var upstream = await ConnectUpstreamAsync(new IPAddress(request.AsSpan(4, 4)).ToString(), (request[2] << 8) | request[3], ct);
        await stream.WriteAsync(new byte[] { 0, 0x5A, 0, 0, 0, 0, 0, 0 }, ct);
        await RelayAsync(stream, upstream, ct);
    }
}
