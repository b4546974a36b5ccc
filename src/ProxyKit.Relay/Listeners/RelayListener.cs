using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ProxyKit.Relay.Diagnostics;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Http;
using ProxyKit.Relay.Socks5;
using ProxyKit.Relay.Tunnels;

namespace ProxyKit.Relay.Listeners;

/// <summary>
/// A local proxy listener: accepts clients on a raw socket accept loop (no thread per connection), speaks SOCKS5, HTTP
/// or both, and relays every client from its egress address. Create one with <see cref="Create"/> (no DI) or
/// <see cref="IRelayListenerFactory"/>; <see cref="Start"/> it; <see cref="StopAsync"/> drains it.
/// </summary>
public sealed class RelayListener : IAsyncDisposable
{
    private readonly ListenerContext _context;
    private readonly ConcurrentDictionary<ConnectionActivity, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _socket;
    private Task _acceptLoop = Task.CompletedTask;
    private ITimer? _idleSweeper;
    private int _state; // 0 new, 1 running, 2 stopped

    internal RelayListener(RelayListenerOptions options, IOutboundConnector connector, IDnsResolver dns, TimeProvider timeProvider, ILogger logger)
    {
        options.Validate();
        _context = new ListenerContext(options, connector, dns, new RelayCounters(options.Name, timeProvider), timeProvider, logger);
    }

    /// <summary>Gets the listener's name.</summary>
    public string Name => _context.Options.Name;

    /// <summary>Gets the protocol it speaks.</summary>
    public RelayProtocol Protocol => _context.Options.Protocol;

    /// <summary>Gets where it listens (with the OS-chosen port once started).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_socket?.LocalEndPoint ?? _context.Options.ListenEndPoint;

    /// <summary>Gets whether it is accepting clients.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == 1;

    /// <summary>
    /// Creates a listener without DI. The connector defaults to <see cref="SocketOutboundConnector"/> over the system
    /// resolver (30 s cache); time to <see cref="TimeProvider.System"/>.
    /// </summary>
    public static RelayListener Create(
        RelayListenerOptions options,
        IOutboundConnector? connector = null,
        IDnsResolver? dns = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        timeProvider ??= TimeProvider.System;
        dns ??= new SystemDnsResolver(timeProvider, TimeSpan.FromSeconds(30));
        connector ??= new SocketOutboundConnector(dns, timeProvider);
        var logger = loggerFactory?.CreateLogger<RelayListener>() ?? (ILogger)NullLogger<RelayListener>.Instance;
        return new RelayListener(options, connector, dns, timeProvider, logger);
    }

    /// <summary>Binds and starts accepting. Returns once the socket listens.</summary>
    /// <exception cref="SocketException">The address cannot be bound (in use, not on this host).</exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException($"Relay listener '{Name}' was already started.");
        }

        var endPoint = _context.Options.ListenEndPoint;
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endPoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            Volatile.Write(ref _state, 2);
            throw;
        }

        _socket = socket;
        _context.Counters.Started();
        var sweep = TimeSpan.FromTicks(Math.Clamp(_context.Options.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _idleSweeper = _context.TimeProvider.CreateTimer(static state => ((RelayListener)state!).CloseIdleConnections(), this, sweep, sweep);
        _acceptLoop = AcceptLoopAsync(socket);
        Log.ListenerStarted(_context.Logger, Name, Protocol, socket.LocalEndPoint);
    }

    /// <summary>Gets a snapshot of the listener's counters.</summary>
    public RelayListenerStats GetStats() => _context.Counters.Snapshot();

    /// <summary>
    /// Stops accepting, lets open connections finish until the drain timeout (or <paramref name="cancellationToken"/>),
    /// then closes the rest. Every socket is released when this returns.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        _socket?.Dispose();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_idleSweeper is not null)
        {
            await _idleSweeper.DisposeAsync().ConfigureAwait(false);
        }

        var open = _connections.Values.ToArray();
        var closed = 0;
        if (open.Length > 0)
        {
            try
            {
                await Task.WhenAll(open).WaitAsync(_context.Options.DrainTimeout, _context.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                closed = _connections.Count;
            }

            await _stopping.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_connections.Values.ToArray()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
        Log.ListenerStopped(_context.Logger, Name, closed);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync(Socket listening)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listening.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return; // stopped
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.OperationAborted)
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.AcceptFailed(_context.Logger, ex, Name); // e.g. out of file descriptors: keep serving the others
                continue;
            }

            client.NoDelay = true;
            var counters = _context.Counters;
            counters.Accepted();
            var overLimit = counters.Active > _context.Options.MaxConnections;
            var activity = new ConnectionActivity(_context.TimeProvider, counters, client.RemoteEndPoint, _stopping.Token);

            // Registered before it starts: a connection that ends at once must not leave its entry behind.
            _connections[activity] = Task.CompletedTask;
            _connections.TryUpdate(activity, ServeAsync(client, activity, overLimit), Task.CompletedTask);
        }
    }

    private async Task ServeAsync(Socket client, ConnectionActivity activity, bool overLimit)
    {
        await Task.Yield(); // the accept loop goes straight back to accepting
        var reader = new BufferedSocketReader(client, _context.Options.MaxHandshakeBytes);
        using var handshake = new HandshakeDeadline(_context.Options.HandshakeTimeout, _context.TimeProvider, activity.Closing.Token);
        try
        {
            if (!await reader.FillAsync(handshake.Token).ConfigureAwait(false))
            {
                activity.Failed(RelayFailureReason.BadHandshake); // connected and closed without a byte
                return;
            }

            var socks = Protocol == RelayProtocol.Socks5 || (Protocol == RelayProtocol.Mixed && reader.Buffered[0] == Socks5Protocol.Version);
            if (socks)
            {
                await Socks5Session.RunAsync(client, reader, _context, activity, overLimit, handshake).ConfigureAwait(false);
            }
            else
            {
                await HttpSession.RunAsync(client, reader, _context, activity, overLimit, handshake).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (handshake.Expired && !activity.Closing.IsCancellationRequested)
        {
            activity.Failed(RelayFailureReason.HandshakeTimeout);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away, the connection idled out, or the listener is stopping. A client that vanished
            // mid-handshake counts as a failed handshake, as one that closed cleanly there does.
            if (!handshake.IsCompleted && !activity.Closing.IsCancellationRequested)
            {
                activity.Failed(RelayFailureReason.BadHandshake);
            }
        }
        catch (Exception ex)
        {
            Log.ConnectionCrashed(_context.Logger, ex, Name);
        }
        finally
        {
            reader.Dispose();
            client.Dispose();
            _context.Counters.Closed();
            _connections.TryRemove(activity, out _);
            ReportClosed(activity);
            activity.Dispose();
        }
    }

    private void ReportClosed(ConnectionActivity activity)
    {
        if (_context.Options.ConnectionClosed is { } report)
        {
            try
            {
                report(activity.ToRecord());
            }
            catch (Exception ex)
            {
                Log.ConnectionReportFailed(_context.Logger, ex, Name); // an observer's bug must not take the listener down
            }
        }
    }

    private void CloseIdleConnections()
    {
        var limit = _context.Options.IdleTimeout;
        foreach (var activity in _connections.Keys)
        {
            if (activity.Idle >= limit)
            {
                try
                {
                    activity.Closing.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Finished meanwhile.
                }
            }
        }
    }
}
