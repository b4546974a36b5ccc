using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>
/// A local endpoint whose connects hang: a listening socket with a backlog of zero whose one queue slot is taken by a
/// connection never accepted. Linux drops further SYNs while the accept queue is full, so a connect neither succeeds
/// nor is refused until the client gives up: a real connect timeout without any outside network.
/// </summary>
internal sealed class Blackhole : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _fillers = [];

    private Blackhole(IPAddress address)
    {
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, 0));
        _listener.Listen(0);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<Blackhole> CreateAsync(IPAddress address)
    {
        var hole = new Blackhole(address);
        try
        {
            // Fill the queue until a connect no longer completes quickly.
            for (var i = 0; i < 8; i++)
            {
                var filler = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                hole._fillers.Add(filler);
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                try
                {
                    await filler.ConnectAsync(hole.EndPoint, cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return hole;
                }
            }

            throw new InvalidOperationException("The backlog never filled: connects to a full listener still complete on this host.");
        }
        catch
        {
            hole.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _listener.Dispose();
    }
}
