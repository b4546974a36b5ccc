using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;
using ProxyKit.WireGuard.Servers;
using ProxyKit.Hosting;

namespace ProxyKit.WireGuard.Allocation;

/// <summary>
/// Every <see cref="WireGuardOptions.ReconcileInterval"/>, per server with an interface: reads the interface's peers,
/// records handshakes and traffic on their keys, releases keys whose client went away (or whose time is up), and makes
/// the interface's peers equal the active keys — adding missing ones, removing released and unknown ones. At start it
/// sets managed interfaces' private key and listen port. Run it on the host that owns the interfaces.
/// </summary>
internal sealed partial class WireGuardReconciler(
    WireGuardKeyStore store, WireGuardServerRegistry servers, IWireGuardPeerSync peers, IOptions<WireGuardOptions> options, TimeProvider time,
    ILogger<WireGuardReconciler> logger) : BackgroundService
{
    /// <summary>One round over every server; returns how many keys it released.</summary>
    internal async Task<int> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        var released = 0;
        foreach (var server in await servers.GetServersAsync(cancellationToken).ConfigureAwait(false))
        {
            if (server.Interface is not { } iface)
            {
                released += await ReleaseExpiredAsync(server, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                released += await ReconcileAsync(server, iface, cancellationToken).ConfigureAwait(false);
            }
            catch (WireGuardInterfaceException ex)
            {
                LogInterfaceFailed(logger, iface, server.Id, ex);
            }
        }

        return released;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(ReconcileOnceAsync, () => options.Value.ReconcileInterval, ex => LogRoundFailed(logger, ex), time, stoppingToken);

    private async Task<int> ReconcileAsync(WireGuardServer server, string iface, CancellationToken cancellationToken)
    {
        // Set the key and port when they differ — at first, and after the interface was recreated (a restarted
        // wireguard-go comes back empty) — and never otherwise: setting the port rebinds the interface's socket.
        if (server.ManageInterface)
        {
            var state = await peers.GetInterfaceAsync(iface, cancellationToken).ConfigureAwait(false);
            if (state.PublicKey != server.KeyPair.PublicKey || state.ListenPort != server.Port)
            {
                await peers.ConfigureInterfaceAsync(iface, server.KeyPair.PrivateKey, server.Port, cancellationToken).ConfigureAwait(false);
                LogConfigured(logger, iface, server.Id);
            }
        }

        var now = time.GetUtcNow();
        var present = (await peers.GetPeersAsync(iface, cancellationToken).ConfigureAwait(false)).ToDictionary(static p => p.PublicKey);
        var active = await store.ListActiveAsync(server.Id, cancellationToken).ConfigureAwait(false);

        // Activity: a newer handshake, or bytes received since the last look (keepalives count), means the client is there.
        var updates = new List<ActivityUpdate>();
        foreach (var key in active)
        {
            if (present.TryGetValue(WireGuardPublicKey.Parse(key.PublicKey), out var peer))
            {
                var seen = peer.LatestHandshake is { } reported ? reported.AddTicks(-(reported.Ticks % TimeSpan.TicksPerMicrosecond)) : (DateTimeOffset?)null;
                var handshake = seen is { } h && (key.LastHandshakeAt is null || h > key.LastHandshakeAt) ? h : key.LastHandshakeAt;
                var received = peer.ReceivedBytes != key.ReceivedBytes;
                if (handshake != key.LastHandshakeAt || received || peer.SentBytes != key.SentBytes)
                {
                    var activity = Max(key.LastActivityAt, received ? now : key.LastActivityAt, handshake ?? key.LastActivityAt);
                    updates.Add(new ActivityUpdate(key.Id, handshake, peer.ReceivedBytes, peer.SentBytes, activity));
                }
            }
        }

        await store.RecordActivityAsync(updates, cancellationToken).ConfigureAwait(false);
        var released = await ReleaseExpiredAsync(server, cancellationToken).ConfigureAwait(false);

        // Drift: the interface gets exactly the active keys (read again: releases and allocations may have happened).
        var desired = (await store.ListActiveAsync(server.Id, cancellationToken).ConfigureAwait(false))
            .ToDictionary(static k => WireGuardPublicKey.Parse(k.PublicKey), static k => System.Net.IPAddress.Parse(k.Address));
        var upsert = desired
            .Where(d => !present.TryGetValue(d.Key, out var peer) || peer.AllowedIps.Count != 1 || !peer.AllowedIps[0].Contains(d.Value) ||
                peer.AllowedIps[0].PrefixLength != WireGuardKeyService.Peer(d.Key, d.Value).AllowedIp.PrefixLength)
            .Select(static d => WireGuardKeyService.Peer(d.Key, d.Value))
            .ToList();
        var remove = present.Keys.Where(k => !desired.ContainsKey(k)).ToList();
        if (upsert.Count > 0 || remove.Count > 0)
        {
            await peers.ApplyAsync(iface, upsert, remove, cancellationToken).ConfigureAwait(false);
            LogRepaired(logger, iface, upsert.Count, remove.Count);
        }

        return released;
    }

    private async Task<int> ReleaseExpiredAsync(WireGuardServer server, CancellationToken cancellationToken)
    {
        var mode = options.Value.AutoRelease;
        if (mode == WireGuardAutoRelease.Never)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var expired = await store.ReleaseIdleAsync(server.Id, now - options.Value.AutoReleaseAfter, mode == WireGuardAutoRelease.AfterAllocation, now, cancellationToken)
            .ConfigureAwait(false);
        foreach (var key in expired)
        {
            WireGuardKeyService.LogReleased(logger, key.PublicKey, server.Id, mode == WireGuardAutoRelease.AfterAllocation ? "expired" : "idle");
        }

        return expired.Count;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b, DateTimeOffset c) => a > b ? (a > c ? a : c) : (b > c ? b : c);

    [LoggerMessage(EventId = 8010, Level = LogLevel.Warning, Message = "WireGuard interface {Interface} of server {Server} could not be reconciled")]
    private static partial void LogInterfaceFailed(ILogger logger, string @interface, string server, Exception exception);

    [LoggerMessage(EventId = 8011, Level = LogLevel.Error, Message = "WireGuard reconcile round failed; retrying next interval")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8013, Level = LogLevel.Information, Message = "WireGuard interface {Interface} of server {Server} configured (key and listen port)")]
    private static partial void LogConfigured(ILogger logger, string @interface, string server);

    [LoggerMessage(EventId = 8012, Level = LogLevel.Information, Message = "WireGuard interface {Interface}: {Added} peer(s) applied, {Removed} removed")]
    private static partial void LogRepaired(ILogger logger, string @interface, int added, int removed);
}
