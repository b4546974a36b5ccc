using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>
/// A started <see cref="RelayListener"/> on 127.0.0.1 for one test, with test-friendly defaults: loopback targets
/// (127.0.0.0/8, ::1) allowed, DualStack egress, short timeouts, a <see cref="StaticDnsResolver"/> (no real DNS) and a
/// recording logger. Disposing stops it and fails the test if any connection crashed (an unhandled exception).
/// </summary>
internal sealed class TestRelay : IAsyncDisposable
{
    private TestRelay(RelayListener listener, RecordingLoggerFactory logs, RelayListenerOptions options)
    {
        Listener = listener;
        Logs = logs;
        Options = options;
    }

    public RelayListener Listener { get; }

    public RecordingLoggerFactory Logs { get; }

    public RelayListenerOptions Options { get; }

    public IPEndPoint EndPoint => Listener.LocalEndPoint;

    public RelayListenerStats Stats => Listener.GetStats();

    public static TestRelay Start(Action<RelayListenerOptions>? configure = null, IOutboundConnector? connector = null, IDnsResolver? dns = null, TimeProvider? timeProvider = null)
    {
        var options = new RelayListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            HandshakeTimeout = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            DrainTimeout = TimeSpan.FromMilliseconds(500),
        };
        options.Egress.Policy = EgressAddressPolicy.DualStack;
        options.Destinations.AllowedNetworks.Add(IPNetwork.Parse("127.0.0.0/8"));
        options.Destinations.AllowedNetworks.Add(IPNetwork.Parse("::1/128"));
        configure?.Invoke(options);
        var logs = new RecordingLoggerFactory();
        var listener = RelayListener.Create(options, connector, dns ?? new StaticDnsResolver(), timeProvider, logs);
        listener.Start();
        return new TestRelay(listener, logs, options);
    }

    /// <summary>Opens a raw TCP connection to the relay.</summary>
    public async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(SocketExtensions.DefaultTimeout);
        await socket.ConnectAsync(EndPoint, cts.Token);
        return socket;
    }

    /// <summary>Waits (bounded) until no client connection is open.</summary>
    public Task WaitForNoActiveConnectionsAsync(TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Stats.ConnectionsActive == 0, $"ConnectionsActive returns to 0 (is {Stats.ConnectionsActive})", timeout);

    /// <summary>Waits (bounded) until <paramref name="reason"/> has been counted at least <paramref name="count"/> times.</summary>
    public Task WaitForFailureAsync(RelayFailureReason reason, long count = 1) =>
        Eventually.TrueAsync(() => Failures(reason) >= count, $"{count} failure(s) of {reason} counted (counted: {Describe(Stats.FailuresByReason)})");

    public long Failures(RelayFailureReason reason) => Stats.FailuresByReason.TryGetValue(reason, out var n) ? n : 0;

    public void ShouldHaveNoCrashes() =>
        Logs.Errors.ShouldBeEmpty(string.Join(Environment.NewLine, Logs.Errors.Select(e => $"{e.EventId} {e.Message} {e.Exception}")));

    public async ValueTask DisposeAsync()
    {
        await Listener.StopAsync();
        ShouldHaveNoCrashes();
    }

    private static string Describe(IReadOnlyDictionary<RelayFailureReason, long> failures) =>
        failures.Count == 0 ? "none" : string.Join(", ", failures.Select(f => $"{f.Key}={f.Value}"));
}
