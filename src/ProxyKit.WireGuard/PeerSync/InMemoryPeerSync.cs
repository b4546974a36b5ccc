using System.Collections.Concurrent;
using System.Net;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.PeerSync;

/// <summary>
/// Peer sync held in memory, for tests, benchmarks and hosts without a WireGuard interface. Thread-safe. Upserting a
/// peer keeps its handshake and traffic, as a real interface does; <see cref="RecordActivity"/> plays the traffic.
/// </summary>
public sealed class InMemoryPeerSync : IWireGuardPeerSync
{
    private readonly ConcurrentDictionary<string, Interface> _interfaces = new(StringComparer.Ordinal);
    private readonly bool _autoCreate;
    private int _applyCount;

    /// <summary>Creates the sync.</summary>
    /// <param name="autoCreate">
    /// Whether every interface name exists (empty until used); otherwise only those passed to
    /// <see cref="ConfigureInterfaceAsync"/> do, and others fail as a missing interface would.
    /// </param>
    public InMemoryPeerSync(bool autoCreate = true) => _autoCreate = autoCreate;

    /// <summary>Gets the number of <see cref="ApplyAsync"/> calls so far, failed ones included.</summary>
    public int ApplyCount => Volatile.Read(ref _applyCount);

    /// <inheritdoc />
    public Task ConfigureInterfaceAsync(string interfaceName, WireGuardPrivateKey privateKey, int listenPort, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        ArgumentOutOfRangeException.ThrowIfNegative(listenPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, IPEndPoint.MaxPort);
        cancellationToken.ThrowIfCancellationRequested();

        // Only the public half is kept: nothing here ever needs the secret.
        var publicKey = privateKey.PublicKey;
        var state = _interfaces.GetOrAdd(interfaceName, static _ => new Interface());
        lock (state)
        {
            state.PublicKey = publicKey;
            state.ListenPort = listenPort;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WireGuardPeerStatus>> GetPeersAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Find(interfaceName);
        lock (state)
        {
            return Task.FromResult<IReadOnlyList<WireGuardPeerStatus>>(state.Peers.Values.Select(p => p with { AllowedIps = [.. p.AllowedIps] }).ToList());
        }
    }

    /// <inheritdoc />
    public Task<WireGuardInterfaceStatus> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // In memory, configuring is what creates an interface (without autoCreate): one never configured reports no key.
        WireGuardInterfaceName.Validate(interfaceName);
        return Task.FromResult(!_autoCreate && !_interfaces.ContainsKey(interfaceName)
            ? new WireGuardInterfaceStatus(null, 0)
            : GetInterface(interfaceName) is { } configured
                ? new WireGuardInterfaceStatus(configured.PublicKey, configured.ListenPort)
                : new WireGuardInterfaceStatus(null, 0));
    }

    /// <inheritdoc />
    public Task ApplyAsync(string interfaceName, IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upsert);
        ArgumentNullException.ThrowIfNull(remove);
        Interlocked.Increment(ref _applyCount);
        cancellationToken.ThrowIfCancellationRequested();
        var state = Find(interfaceName);
        lock (state)
        {
            // Upserts first, then removals (a key in both ends up removed), as the real implementations order them.
            foreach (var peer in upsert)
            {
                ArgumentNullException.ThrowIfNull(peer, nameof(upsert));
                state.Peers[peer.PublicKey] = state.Peers.TryGetValue(peer.PublicKey, out var existing)
                    ? existing with { AllowedIps = [peer.AllowedIp] }
                    : new WireGuardPeerStatus(peer.PublicKey, [peer.AllowedIp], null, 0, 0, null);
            }

            foreach (var key in remove)
            {
                state.Peers.Remove(key);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Gets the public key and listen port last set by <see cref="ConfigureInterfaceAsync"/>, or <see langword="null"/> if never configured.</summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist.</exception>
    public (WireGuardPublicKey PublicKey, int ListenPort)? GetInterface(string interfaceName)
    {
        var state = Find(interfaceName);
        lock (state)
        {
            return state.PublicKey is { } key ? (key, state.ListenPort) : null;
        }
    }

    /// <summary>Test hook: the interface comes back empty, as a restarted wireguard-go does (no key, no port, no peers).</summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist.</exception>
    public void Restart(string interfaceName)
    {
        var state = Find(interfaceName);
        lock (state)
        {
            state.PublicKey = null;
            state.ListenPort = 0;
            state.Peers.Clear();
        }
    }

    /// <summary>Test hook: records a handshake and traffic totals for a peer, as the interface would report them.</summary>
    /// <exception cref="WireGuardInterfaceException">The interface does not exist.</exception>
    /// <exception cref="InvalidOperationException">The interface has no such peer.</exception>
    public void RecordActivity(string interfaceName, WireGuardPublicKey key, DateTimeOffset? latestHandshake, long receivedBytes, long sentBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(receivedBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(sentBytes);
        var state = Find(interfaceName);
        lock (state)
        {
            if (!state.Peers.TryGetValue(key, out var peer))
            {
                throw new InvalidOperationException($"WireGuard interface '{interfaceName}' has no peer {key}.");
            }

            state.Peers[key] = peer with { LatestHandshake = latestHandshake, ReceivedBytes = receivedBytes, SentBytes = sentBytes };
        }
    }

    private Interface Find(string interfaceName)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        if (_autoCreate)
        {
            return _interfaces.GetOrAdd(interfaceName, static _ => new Interface());
        }

        return _interfaces.TryGetValue(interfaceName, out var state)
            ? state
            : throw new WireGuardInterfaceException(interfaceName, $"WireGuard interface '{interfaceName}' does not exist (in memory: configure it first).");
    }

    private sealed class Interface
    {
        public Dictionary<WireGuardPublicKey, WireGuardPeerStatus> Peers { get; } = [];

        public WireGuardPublicKey? PublicKey { get; set; }

        public int ListenPort { get; set; }
    }
}
