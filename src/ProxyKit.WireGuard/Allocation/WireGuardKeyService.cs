using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Secrets;
using ProxyKit.WireGuard.Config;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;
using ProxyKit.WireGuard.Servers;

namespace ProxyKit.WireGuard.Allocation;

/// <summary>
/// Allocates, releases and reports WireGuard keys (seed 004). A key is minted when allocated, returned once, and never
/// handed out again: release tombstones it and its slot gets a fresh key next time. Slots (client addresses) are taken by
/// inserts guarded by a unique index, so concurrent allocations never share a key or an address; the peer is applied to
/// the server's interface at once, and the reconcile loop repairs whatever that missed.
/// </summary>
public sealed partial class WireGuardKeyService
{
    internal const string ClientKeyPurpose = "wireguard.client-private-key";

    // One client allocating concurrently with itself (per-client limit) retries from a fresh read this many times.
    private const int ReadRounds = 8;

    private readonly WireGuardKeyStore _store;
    private readonly WireGuardServerRegistry _servers;
    private readonly IWireGuardKeyGenerator _generator;
    private readonly IWireGuardPeerSync _peers;
    private readonly SecretProtector _protector;
    private readonly IOptions<WireGuardOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal WireGuardKeyService(
        WireGuardKeyStore store, WireGuardServerRegistry servers, IWireGuardKeyGenerator generator, IWireGuardPeerSync peers, SecretProtector protector,
        IOptions<WireGuardOptions> options, TimeProvider time, ILogger<WireGuardKeyService> logger)
    {
        _store = store;
        _servers = servers;
        _generator = generator;
        _peers = peers;
        _protector = protector;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Lists the configured servers' public addresses (the seed's <c>/list</c>).</summary>
    public async Task<IReadOnlyList<string>> ListServersAsync(CancellationToken cancellationToken = default) =>
        [.. (await _servers.GetServersAsync(cancellationToken).ConfigureAwait(false)).Select(static s => s.Id)];

    /// <summary>
    /// Allocates a key for <paramref name="client"/> on <paramref name="serverIp"/>, or on the server with the most free keys.
    /// </summary>
    /// <param name="client">Who asks (the seed identifies clients by IP address).</param>
    /// <param name="serverIp">A configured server's public address, or <see langword="null"/> for the most free one.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The allocation, or <c>NO_AVAILABLE_KEYS</c>, <c>UNKNOWN_SERVER</c>, <c>CLIENT_LIMIT_REACHED</c>.</returns>
    public async Task<ProxyKitResult<WireGuardAllocation>> AllocateAsync(string client, string? serverIp = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(client);
        var options = _options.Value;
        var servers = await _servers.GetServersAsync(cancellationToken).ConfigureAwait(false);
        WireGuardServer? target = null;
        if (serverIp is not null && (target = servers.FirstOrDefault(s => string.Equals(s.Id, serverIp, StringComparison.OrdinalIgnoreCase))) is null)
        {
            return ProxyKitResult.Failure<WireGuardAllocation>(WireGuardErrorCodes.UnknownServer, $"No VPN server is configured at {serverIp}.",
                new Dictionary<string, object?> { ["servers"] = servers.Select(static s => s.Id).ToArray() });
        }

        if (options.ReturnExistingKey)
        {
            foreach (var row in await _store.ListActiveForClientAsync(client, target?.Id, cancellationToken).ConfigureAwait(false))
            {
                if (row.PrivateKeyProtected is { } kept && servers.FirstOrDefault(s => s.Id == row.ServerId) is { } server)
                {
                    var privateKey = WireGuardPrivateKey.Parse(_protector.Unprotect(ClientKeyPurpose, kept));
                    return ProxyKitResult.Success(Describe(server, privateKey, row.AddressIndex, row.AllocatedAt, existing: true));
                }
            }
        }

        for (var round = 0; round < ReadRounds; round++)
        {
            int? clientSlot = null;
            if (options.MaxKeysPerClient > 0)
            {
                var held = await _store.ReadClientSlotsAsync(client, cancellationToken).ConfigureAwait(false);
                clientSlot = Enumerable.Range(1, options.MaxKeysPerClient).Where(s => !held.Contains(s)).Cast<int?>().FirstOrDefault();
                if (clientSlot is null)
                {
                    return ProxyKitResult.Failure<WireGuardAllocation>(WireGuardErrorCodes.ClientLimitReached,
                        $"This client already holds {options.MaxKeysPerClient} VPN key(s); release one first.",
                        new Dictionary<string, object?> { ["limit"] = options.MaxKeysPerClient });
                }
            }

            var candidates = target is not null ? [target] : await MostFreeFirstAsync(servers, cancellationToken).ConfigureAwait(false);
            var contended = false;
            foreach (var server in candidates)
            {
                var (outcome, allocation) = await TryAllocateOnAsync(server, client, clientSlot, cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case InsertOutcome.Inserted:
                        return ProxyKitResult.Success(allocation!);
                    case InsertOutcome.ClientSlotTaken:
                        contended = true; // the same client allocating concurrently: re-read its slots
                        break;
                    case InsertOutcome.SlotTaken:
                        continue; // full (or every free slot locked by concurrent allocations): the next server
                }

                break;
            }

            if (!contended)
            {
                break;
            }
        }

        return ProxyKitResult.Failure<WireGuardAllocation>(WireGuardErrorCodes.NoAvailableKeys, "No available VPN keys",
            target is null ? null : new Dictionary<string, object?> { ["server_ip"] = target.Id });
    }

    /// <summary>Releases the key with <paramref name="publicKey"/> (base64): its peer is removed at once and it is never handed out again.</summary>
    /// <returns>The released key's public key, or <c>KEY_NOT_FOUND</c> / <c>INVALID_PUBLIC_KEY</c>.</returns>
    public async Task<ProxyKitResult<WireGuardPublicKey>> ReleaseAsync(string publicKey, CancellationToken cancellationToken = default)
    {
        if (!WireGuardPublicKey.TryParse(publicKey, out var key))
        {
            return ProxyKitResult.Failure<WireGuardPublicKey>(WireGuardErrorCodes.InvalidPublicKey,
                "public_key must be a WireGuard public key: 44 characters of base64, as allocate returned it.");
        }

        var row = await _store.ReleaseAsync(key.ToBase64(), "released", Now(), cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return ProxyKitResult.Failure<WireGuardPublicKey>(WireGuardErrorCodes.KeyNotFound, "Key not found or not in use");
        }

        LogReleased(_logger, row.PublicKey, row.ServerId, "released");
        if (await _servers.FindAsync(row.ServerId, cancellationToken).ConfigureAwait(false) is { Interface: { } iface })
        {
            await TryApplyAsync(iface, [], [key], CancellationToken.None).ConfigureAwait(false);
        }

        return ProxyKitResult.Success(key);
    }

    /// <summary>Key usage of the server at <paramref name="serverIp"/>, or of every server.</summary>
    /// <returns>The statistics and the keys in use, or <c>UNKNOWN_SERVER</c>.</returns>
    public async Task<ProxyKitResult<WireGuardStatus>> GetStatusAsync(string? serverIp = null, CancellationToken cancellationToken = default)
    {
        var servers = await _servers.GetServersAsync(cancellationToken).ConfigureAwait(false);
        var selected = serverIp is null ? servers : [.. servers.Where(s => string.Equals(s.Id, serverIp, StringComparison.OrdinalIgnoreCase))];
        if (selected.Count == 0 && serverIp is not null)
        {
            return ProxyKitResult.Failure<WireGuardStatus>(WireGuardErrorCodes.UnknownServer, $"No VPN server is configured at {serverIp}.");
        }

        var now = _time.GetUtcNow();
        var active = serverIp is null
            ? await _store.ListActiveAsync(null, cancellationToken).ConfigureAwait(false)
            : await _store.ListActiveAsync(selected[0].Id, cancellationToken).ConfigureAwait(false);
        var connections = active
            .Where(r => selected.Any(s => s.Id == r.ServerId))
            .Select(r => new WireGuardConnection(r.ServerId, IPAddress.Parse(r.Address), r.Client, r.AllocatedAt, now - r.AllocatedAt, r.LastHandshakeAt))
            .ToList();
        var total = selected.Sum(static s => s.Capacity);
        var quarantine = _options.Value.AddressQuarantine;
        var resting = quarantine > TimeSpan.Zero
            ? await _store.CountRestingAsync([.. selected.Select(static s => (s.Id, s.Capacity))], now - quarantine, cancellationToken).ConfigureAwait(false)
            : 0;
        return ProxyKitResult.Success(new WireGuardStatus(total, connections.Count, Math.Max(0, total - connections.Count - resting), connections));
    }

    internal async Task TryApplyAsync(string iface, IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove, CancellationToken cancellationToken)
    {
        try
        {
            await _peers.ApplyAsync(iface, upsert, remove, cancellationToken).ConfigureAwait(false);
        }
        catch (WireGuardInterfaceException ex)
        {
            // The database is the truth; the reconcile loop applies what this missed.
            LogApplyFailed(_logger, iface, ex);
        }
    }

    internal static WireGuardPeer Peer(WireGuardPublicKey key, IPAddress address) =>
        new(key, new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));

    private async Task<IReadOnlyList<WireGuardServer>> MostFreeFirstAsync(IReadOnlyList<WireGuardServer> servers, CancellationToken cancellationToken)
    {
        if (servers.Count == 1)
        {
            return servers; // nothing to choose between; a full server answers for itself
        }

        var inUse = await _store.CountActiveAsync(cancellationToken).ConfigureAwait(false);
        return [.. servers
            .Select((server, order) => (server, order, free: server.Capacity - inUse.GetValueOrDefault(server.Id)))
            .Where(static s => s.free > 0)
            .OrderByDescending(static s => s.free)
            .ThenBy(static s => s.order)
            .Select(static s => s.server)];
    }

    private async Task<(InsertOutcome Outcome, WireGuardAllocation? Allocation)> TryAllocateOnAsync(
        WireGuardServer server, string client, int? clientSlot, CancellationToken cancellationToken)
    {
        var now = Now();
        while (true)
        {
            var pair = _generator.Generate();
            var template = new KeyRow(0, server.Id, pair.PublicKey.ToBase64(),
                _options.Value.KeepClientPrivateKeys ? _protector.Protect(ClientKeyPurpose, pair.PrivateKey.ToBase64()) : null,
                0, string.Empty, "active", client, clientSlot, now, null, null, null, 0, 0, now);
            var (outcome, row) = await _store.TryAllocateAsync(
                template, server.Capacity, _options.Value.AddressQuarantine, slot => server.Subnet.ClientAddress(slot).ToString(), cancellationToken)
                .ConfigureAwait(false);
            if (outcome == InsertOutcome.PublicKeyTaken)
            {
                continue; // a 2^-128 event: mint another key
            }

            if (outcome != InsertOutcome.Inserted)
            {
                return (outcome, null);
            }

            LogAllocated(_logger, row!.PublicKey, server.Id, row.Address);
            if (server.Interface is { } iface)
            {
                await TryApplyAsync(iface, [Peer(pair.PublicKey, IPAddress.Parse(row.Address))], [], CancellationToken.None).ConfigureAwait(false);
            }

            return (outcome, Describe(server, pair.PrivateKey, row.AddressIndex, now, existing: false));
        }
    }

    private WireGuardAllocation Describe(WireGuardServer server, WireGuardPrivateKey privateKey, int slot, DateTimeOffset allocatedAt, bool existing)
    {
        var address = server.Subnet.ClientAddress(slot);
        var config = new WireGuardClientConfig(
            privateKey, address, server.Subnet.PrefixLength, server.Dns, server.KeyPair.PublicKey, server.Id, server.Port, server.AllowedIps,
            _options.Value.PersistentKeepaliveSeconds);
        return new WireGuardAllocation(server.Id, server.Port, server.KeyPair.PublicKey, privateKey, privateKey.PublicKey, address, config, allocatedAt, existing);
    }

    // Instants at the databases' precision, so what is returned equals what is read back.
    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    [LoggerMessage(EventId = 8000, Level = LogLevel.Information, Message = "Allocated WireGuard key {PublicKey} on {Server} at {Address}")]
    private static partial void LogAllocated(ILogger logger, string publicKey, string server, string address);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Released WireGuard key {PublicKey} on {Server} ({Reason})")]
    internal static partial void LogReleased(ILogger logger, string publicKey, string server, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Could not apply peers to WireGuard interface {Interface}; the reconcile loop will retry")]
    private static partial void LogApplyFailed(ILogger logger, string @interface, Exception exception);
}
