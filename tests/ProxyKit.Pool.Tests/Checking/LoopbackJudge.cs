using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool.Tests.Checking;

/// <summary>A minimal judge on 127.0.0.1: answers every GET with the <see cref="AnonymityJudge"/> echo (Content-Length, Connection: close).</summary>
internal sealed class LoopbackJudge : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private int _requests;

    public LoopbackJudge()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/judge";

    public int Requests => Volatile.Read(ref _requests);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }

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
            var head = await FakeWire.ReadHeadAsync(stream, _stopping.Token);
            if (head is null)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            var target = head.RequestLine.Split(' ')[1];
            var query = target.Contains('?') ? target[(target.IndexOf('?') + 1)..] : "";
            var token = query.Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == AnonymityJudge.TokenQueryName).Select(p => p.Length > 1 ? p[1] : "").FirstOrDefault();
            var body = AnonymityJudge.CreateEcho(((IPEndPoint)socket.RemoteEndPoint!).Address, head.Headers.Select(h => KeyValuePair.Create(h.Name, (string?)h.Value)), token);
            var response = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response).Concat(body).ToArray(), _stopping.Token);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException or FormatException)
        {
            // A test connection going away is not the judge's problem.
        }
    }
}

/// <summary>A request head read by the fakes.</summary>
internal sealed record FakeRequestHead(string RequestLine, List<(string Name, string Value)> Headers)
{
    public string? Header(string name) => Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}

internal static class FakeWire
{
    /// <summary>Reads an HTTP request head byte by byte (so nothing after it is consumed); null at EOF before any byte.</summary>
    public static async Task<FakeRequestHead?> ReadHeadAsync(Stream stream, CancellationToken ct, byte? first = null)
    {
        var bytes = new List<byte>();
        if (first is { } b)
        {
            bytes.Add(b);
        }

        var one = new byte[1];
        while (!(bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r'))
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                return null;
            }

            bytes.Add(one[0]);
            if (bytes.Count > 32 * 1024)
            {
                return null;
            }
        }

        var lines = Encoding.Latin1.GetString(bytes.ToArray()).Split("\r\n");
        var headers = lines.Skip(1).Where(l => l.Contains(':')).Select(l => (l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim())).ToList();
        return new FakeRequestHead(lines[0], headers);
    }
}
