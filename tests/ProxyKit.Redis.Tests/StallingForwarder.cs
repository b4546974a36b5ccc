using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Redis.Tests;

/// <summary>
/// A loopback TCP forwarder to a real Redis that leaves the first connections it accepts unanswered: the handshake
/// that misses the connect timeout on a loaded machine, on demand.
/// </summary>
internal sealed class StallingForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<TcpClient> _stalled = [];
    private int _toStall;

    public StallingForwarder(string redis, int stallFirst)
    {
        var colon = redis.LastIndexOf(':');
        _target = new IPEndPoint(IPAddress.Parse(redis[..colon]), int.Parse(redis[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        _toStall = stallFirst;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int Stalled { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var relays = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                if (Interlocked.Decrement(ref _toStall) >= 0)
                {
                    Stalled++;
                    _stalled.Add(client); // accepted, never answered
                    continue;
                }

                relays.Add(RelayAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(relays);
        _stalled.ForEach(c => c.Dispose());
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
                var up = client.GetStream().CopyToAsync(server.GetStream(), _stop.Token);
                var down = server.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
            }
        }
    }
}
