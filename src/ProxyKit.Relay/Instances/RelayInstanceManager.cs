using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Storage;

namespace ProxyKit.Relay.Instances;

/// <summary>
/// Creates, lists and deletes proxy instances — each a fresh, never-used IPv6 address on an interface plus local
/// listener(s) egressing from it — and keeps them in the database, so <see cref="RestoreAsync"/> brings every live
/// instance back after a restart with the same address and, when free, the same ports.
/// </summary>
public sealed class RelayInstanceManager : IAsyncDisposable
{
    private const int MaxDuplicateAttempts = 3;
    private const int MaxConnectionsLimit = 100_000;

    private readonly ConcurrentDictionary<string, LiveInstance> _live = new(StringComparer.Ordinal);
    private readonly ProxyKitDatabase _database;
    private readonly IIPv6AddressAllocator _allocator;
    private readonly IAddressAssigner _assigner;
    private readonly IRelayListenerFactory _listeners;
    private readonly RelayInstanceOptions _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a manager (normally resolved from DI after <c>AddRelayInstances()</c>).</summary>
    public RelayInstanceManager(
        ProxyKitDatabase database,
        IIPv6AddressAllocator allocator,
        IAddressAssigner assigner,
        IRelayListenerFactory listeners,
        IOptions<RelayInstanceOptions> options,
        TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _allocator = allocator;
        _assigner = assigner;
        _listeners = listeners;
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the live instances.</summary>
    public IReadOnlyList<RelayInstance> List() => [.. _live.Values.Select(l => l.Snapshot()).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id, StringComparer.Ordinal)];

    /// <summary>Gets one instance, or <see langword="null"/>.</summary>
    public RelayInstance? Get(string id) => _live.TryGetValue(id, out var live) ? live.Snapshot() : null;

    /// <summary>Gets an instance's recent log entries, oldest first, or <see langword="null"/> when there is no such instance.</summary>
    public IReadOnlyList<RelayInstanceLogEntry>? GetLog(string id) => _live.TryGetValue(id, out var live) ? live.Log.Snapshot() : null;

    /// <summary>Creates an instance; returns once its address is usable and its listeners accept.</summary>
    /// <param name="type">What it serves.</param>
    /// <param name="interfaceName">The interface to put the address on (required, as in the seed).</param>
    /// <param name="ttl">For a temporary instance: how long it lives; <see langword="null"/> for one that lives until deleted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<RelayInstanceResult> CreateAsync(RelayInstanceType type, string? interfaceName, TimeSpan? ttl = null, CancellationToken cancellationToken = default) =>
        CreateAsync(new RelayInstanceRequest(type, interfaceName) { Ttl = ttl }, cancellationToken);

    /// <summary>Creates an instance (optionally temporary, with credentials and limits); returns once its address is usable and its listeners accept.</summary>
    public async Task<RelayInstanceResult> CreateAsync(RelayInstanceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (type, interfaceName, ttl) = (request.Type, request.InterfaceName, request.Ttl);
        if (string.IsNullOrWhiteSpace(interfaceName))
        {
            return Invalid("Interface name is required (the network interface the instance's IPv6 address is added to).");
        }

        if (!Enum.IsDefined(type))
        {
            return Invalid("type must be http, socks5 or both.");
        }

        if (ttl is { } life && (life <= TimeSpan.Zero || life > _options.MaxTtl))
        {
            return Invalid($"ttl must be between 1 second and {_options.MaxTtl.TotalSeconds:0} seconds.");
        }

        if (request.Limits is { MaxConnections: < 1 or > MaxConnectionsLimit })
        {
            return Invalid($"max_connections must be between 1 and {MaxConnectionsLimit}.");
        }

        if (request.Limits is { BandwidthBytesPerSecond: < 1024 })
        {
            return Invalid("bandwidth_bytes_per_second must be at least 1024.");
        }

        var (prefix, prefixError) = await ResolvePrefixAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        if (prefixError is not null)
        {
            return prefixError;
        }

        // A duplicate (another host on the link holds the address) costs that address, not the request: try fresh ones.
        IPAddress address;
        var attempt = 0;
        while (true)
        {
            address = await _allocator.AllocateAsync(prefix, cancellationToken).ConfigureAwait(false);
            var assigned = await _assigner.AssignAsync(interfaceName, address, cancellationToken).ConfigureAwait(false);
            if (assigned.Succeeded)
            {
                break;
            }

            await _allocator.ReleaseAsync(prefix, address, cancellationToken).ConfigureAwait(false);
            if (assigned.Error != AddressAssignmentError.DuplicateAddress || ++attempt == MaxDuplicateAttempts)
            {
                return new RelayInstanceResult(null, assigned.Error.ToString(), $"Failed to assign IPv6 {address} to '{interfaceName}': {assigned.Message}",
                    IsClientError: assigned.Error is AddressAssignmentError.InterfaceNotFound or AddressAssignmentError.NoGlobalIPv6Prefix);
            }
        }

        var now = _timeProvider.GetUtcNow();
        var record = new InstanceRecord(Guid.NewGuid().ToString("N"), type, interfaceName, address, prefix, null, null, now, ttl is null ? null : now + ttl.Value,
            request.Credentials, request.Limits);
        LiveInstance? live = null;
        try
        {
            live = await StartListenersAsync(record).ConfigureAwait(false);
            await InsertAsync(live.Record, cancellationToken).ConfigureAwait(false);
            live.Log.Add(new RelayInstanceLogEntry(now, "created", $"Created with {address} on {interfaceName}, listening on {live.Describe()}."));
            _live[record.Id] = live;
            return new RelayInstanceResult(live.Snapshot());
        }
        catch
        {
            if (live is not null)
            {
                await live.StopAsync().ConfigureAwait(false);
            }

            await _assigner.UnassignAsync(interfaceName, address, CancellationToken.None).ConfigureAwait(false);
            await _allocator.ReleaseAsync(prefix, address, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Deletes an instance: listeners drained and closed, address removed and released, row deleted.</summary>
    /// <returns>Whether it existed.</returns>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!_live.TryRemove(id, out var live))
        {
            return false;
        }

        await live.StopAsync().ConfigureAwait(false);
        var record = live.Record;
        await _assigner.UnassignAsync(record.InterfaceName, record.Address, cancellationToken).ConfigureAwait(false);
        await _allocator.ReleaseAsync(record.Prefix, record.Address, cancellationToken).ConfigureAwait(false);
        await DeleteRowAsync(id, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes the given instances (unknown ids are ignored); returns how many were deleted.</summary>
    public async Task<int> DeleteManyAsync(IEnumerable<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var deleted = 0;
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            deleted += await DeleteAsync(id, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>Deletes every instance; returns how many.</summary>
    public Task<int> DeleteAllAsync(CancellationToken cancellationToken = default) => DeleteManyAsync([.. _live.Keys], cancellationToken);

    /// <summary>Deletes temporary instances whose TTL has passed; returns how many.</summary>
    public Task<int> CleanupExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        return DeleteManyAsync([.. _live.Values.Where(l => l.Record.ExpiresAt <= now).Select(l => l.Record.Id)], cancellationToken);
    }

    /// <summary>Extends the lifetime of every live instance's address (assigners whose addresses expire by themselves).</summary>
    public async Task RenewAddressesAsync(CancellationToken cancellationToken = default)
    {
        foreach (var live in _live.Values)
        {
            var renewed = await _assigner.RenewAsync(live.Record.InterfaceName, live.Record.Address, cancellationToken).ConfigureAwait(false);
            if (!renewed.Succeeded)
            {
                live.Log.Add(new RelayInstanceLogEntry(_timeProvider.GetUtcNow(), "renew_failed", $"Renewing {live.Record.Address} failed ({renewed.Error}): {renewed.Message}"));
            }
        }
    }

    /// <summary>Brings back every stored instance (expired temporary ones are deleted instead); returns how many are live.</summary>
    public async Task<int> RestoreAsync(CancellationToken cancellationToken = default)
    {
        var records = await LoadAsync(cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        foreach (var stored in records.Where(r => !_live.ContainsKey(r.Id)))
        {
            if (stored.ExpiresAt <= now)
            {
                await _assigner.UnassignAsync(stored.InterfaceName, stored.Address, cancellationToken).ConfigureAwait(false);
                await _allocator.ReleaseAsync(stored.Prefix, stored.Address, cancellationToken).ConfigureAwait(false);
                await DeleteRowAsync(stored.Id, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var assigned = await _assigner.AssignAsync(stored.InterfaceName, stored.Address, cancellationToken).ConfigureAwait(false);
            if (!assigned.Succeeded && assigned.Error != AddressAssignmentError.DuplicateAddress)
            {
                continue; // left in the database; a later restore retries (e.g. once the interface is back)
            }

            var live = await StartListenersAsync(stored).ConfigureAwait(false);
            _live[stored.Id] = live;
            live.Log.Add(new RelayInstanceLogEntry(now, "restored", $"Restored after a restart with {stored.Address} on {stored.InterfaceName}, listening on {live.Describe()}."));
            if (live.Record.HttpPort != stored.HttpPort || live.Record.Socks5Port != stored.Socks5Port)
            {
                await UpdatePortsAsync(live.Record, cancellationToken).ConfigureAwait(false);
            }
        }

        await RemoveOrphanedAddressesAsync(records, cancellationToken).ConfigureAwait(false);
        return _live.Count;
    }

    // Addresses this assigner left in our prefixes (a crash, a lost row) that no live instance uses are removed at start.
    private async Task RemoveOrphanedAddressesAsync(List<InstanceRecord> stored, CancellationToken cancellationToken)
    {
        if (_assigner is not IInterfacePrefixDiscovery inspector)
        {
            return;
        }

        var prefixes = stored.Select(r => (r.InterfaceName, r.Prefix))
            .Concat(_options.Prefixes.Select(p => (InterfaceName: p.Key, Prefix: IPNetwork.Parse(p.Value))))
            .Distinct()
            .GroupBy(p => p.InterfaceName, p => p.Prefix, StringComparer.Ordinal);
        var inUse = _live.Values.Select(l => l.Record.Address).ToHashSet();
        foreach (var group in prefixes)
        {
            IReadOnlyList<IPAddress> assigned;
            try
            {
                assigned = await inspector.GetAssignedAddressesAsync(group.Key, cancellationToken).ConfigureAwait(false);
            }
            catch (ProxyKitException)
            {
                continue; // the interface is gone: nothing of ours can be on it
            }

            foreach (var orphan in assigned.Where(a => !inUse.Contains(a) && group.Any(prefix => prefix.Contains(a))))
            {
                await _assigner.UnassignAsync(group.Key, orphan, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops every listener (instances stay stored, to be restored) .</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var live in _live.Values)
        {
            await live.StopAsync().ConfigureAwait(false);
        }

        _live.Clear();
    }

    // The configured prefix of the interface, else (when the assigner can read interfaces) its first global /64-or-shorter prefix.
    private async Task<(IPNetwork Prefix, RelayInstanceResult? Error)> ResolvePrefixAsync(string interfaceName, CancellationToken cancellationToken)
    {
        if (_options.Prefixes.TryGetValue(interfaceName, out var configured) && IPNetwork.TryParse(configured, out var prefix))
        {
            return (prefix, null);
        }

        if (_assigner is IInterfacePrefixDiscovery discovery)
        {
            IReadOnlyList<IPNetwork> found;
            try
            {
                found = await discovery.GetGlobalPrefixesAsync(interfaceName, cancellationToken).ConfigureAwait(false);
            }
            catch (ProxyKitException ex)
            {
                return (default, new RelayInstanceResult(null, nameof(AddressAssignmentError.InterfaceNotFound),
                    $"Interface '{interfaceName}' cannot be used: {ex.Message}", IsClientError: true));
            }

            foreach (var candidate in found)
            {
                if (candidate.PrefixLength <= 64 && candidate.PrefixLength >= 16)
                {
                    return (candidate, null);
                }
            }
        }

        return (default, new RelayInstanceResult(null, nameof(AddressAssignmentError.NoGlobalIPv6Prefix),
            $"Interface '{interfaceName}' has no global IPv6 prefix of /64 or shorter, and none is configured (ProxyKit:Instances:Prefixes:{interfaceName}).", IsClientError: true));
    }

    private static RelayInstanceResult Invalid(string message) => new(null, "invalid_request", message, IsClientError: true);

    // Starts the listeners, on the stored ports when given and free, else on OS-chosen ones.
    private async Task<LiveInstance> StartListenersAsync(InstanceRecord record)
    {
        // Addresses nobody configures on an interface (AnyIP routes, "already usable") are bound with IPV6_FREEBIND.
        var freeBind = _assigner.Name is "anyip" or "none";
        var log = new RelayInstanceLog(_options.LogCapacity);
        RelayListener? http = null, socks = null;
        try
        {
            if (record.Type is RelayInstanceType.Http or RelayInstanceType.Both)
            {
                http = StartOne(record, RelayProtocol.Http, record.HttpPort, freeBind, log);
            }

            if (record.Type is RelayInstanceType.Socks5 or RelayInstanceType.Both)
            {
                socks = StartOne(record, RelayProtocol.Socks5, record.Socks5Port, freeBind, log);
            }
        }
        catch
        {
            if (http is not null)
            {
                await http.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new LiveInstance(record with { HttpPort = http?.LocalEndPoint.Port, Socks5Port = socks?.LocalEndPoint.Port }, http, socks, log);
    }

    private RelayListener StartOne(InstanceRecord record, RelayProtocol protocol, int? port, bool freeBind, RelayInstanceLog log)
    {
        foreach (var candidate in port is { } p ? new[] { p, 0 } : [0])
        {
            var listener = _listeners.Create(o =>
            {
                o.Name = $"{record.Id}-{protocol.ToString().ToLowerInvariant()}";
                o.Protocol = protocol;
                o.ListenEndPoint = new IPEndPoint(IPAddress.Loopback, candidate);
                o.Egress.Address = record.Address;
                o.Egress.FreeBind = freeBind;
                o.Egress.Policy = EgressAddressPolicy.IPv6Only;
                o.Credentials = record.Credentials;
                o.ConnectionClosed = log.Add;
                o.BandwidthLimitBytesPerSecond = record.Limits.BandwidthBytesPerSecond;
                if (record.Limits.MaxConnections is { } max)
                {
                    o.MaxConnections = max;
                }
            });
            try
            {
                listener.Start();
                return listener;
            }
            catch (SocketException) when (candidate != 0)
            {
                // The old port was taken meanwhile: take a new one.
            }
        }

        throw new ProxyKitException($"Could not start the {protocol} listener of instance {record.Id}.");
    }

    private async Task InsertAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var insert = connection.CreateCommand(
                """
                INSERT INTO relay_instances (id, type, interface_name, address, prefix, http_port, socks5_port, created_at, expires_at,
                                             username, password_hash, max_connections, bandwidth_bytes_per_second)
                VALUES (@id, @type, @interface_name, @address, @prefix, @http_port, @socks5_port, @created_at, @expires_at,
                        @username, @password_hash, @max_connections, @bandwidth_bytes_per_second)
                """,
                null)
                .With("id", record.Id).With("type", record.Type.ToString().ToLowerInvariant()).With("interface_name", record.InterfaceName)
                .With("address", record.Address.ToString()).With("prefix", record.Prefix.ToString())
                .With("http_port", record.HttpPort).With("socks5_port", record.Socks5Port)
                .With("created_at", record.CreatedAt).With("expires_at", record.ExpiresAt)
                .With("username", record.Credentials?.Username).With("password_hash", record.Credentials?.PasswordHash)
                .With("max_connections", record.Limits.MaxConnections).With("bandwidth_bytes_per_second", record.Limits.BandwidthBytesPerSecond);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UpdatePortsAsync(InstanceRecord record, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand("UPDATE relay_instances SET http_port = @http_port, socks5_port = @socks5_port WHERE id = @id", null)
                .With("id", record.Id).With("http_port", record.HttpPort).With("socks5_port", record.Socks5Port);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeleteRowAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var delete = connection.CreateCommand("DELETE FROM relay_instances WHERE id = @id", null).With("id", id);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<InstanceRecord>> LoadAsync(CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                """
                SELECT id, type, interface_name, address, prefix, http_port, socks5_port, created_at, expires_at,
                       username, password_hash, max_connections, bandwidth_bytes_per_second
                FROM relay_instances ORDER BY created_at
                """,
                null);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var records = new List<InstanceRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    records.Add(new InstanceRecord(
                        reader.GetString(0),
                        Enum.Parse<RelayInstanceType>(reader.GetString(1), ignoreCase: true),
                        reader.GetString(2),
                        IPAddress.Parse(reader.GetString(3)),
                        IPNetwork.Parse(reader.GetString(4)),
                        Int32OrNull(reader, 5),
                        Int32OrNull(reader, 6),
                        reader.GetFieldValue<DateTimeOffset>(7),
                        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                        reader.IsDBNull(9) ? null : RelayCredentials.FromHash(reader.GetString(9), reader.GetString(10)),
                        new RelayInstanceLimits(
                            Int32OrNull(reader, 11),
                            reader.IsDBNull(12) ? null : Convert.ToInt64(reader.GetValue(12), CultureInfo.InvariantCulture))));
                }

                return records;
            }
        }
    }

    private static int? Int32OrNull(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Convert.ToInt32(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private sealed record InstanceRecord(
        string Id,
        RelayInstanceType Type,
        string InterfaceName,
        IPAddress Address,
        IPNetwork Prefix,
        int? HttpPort,
        int? Socks5Port,
        DateTimeOffset CreatedAt,
        DateTimeOffset? ExpiresAt,
        RelayCredentials? Credentials,
        RelayInstanceLimits Limits);

    private sealed class LiveInstance(InstanceRecord record, RelayListener? http, RelayListener? socks, RelayInstanceLog log)
    {
        public InstanceRecord Record { get; } = record;

        public RelayInstanceLog Log { get; } = log;

        public string Describe() => string.Join(", ", new[] { ("http", http), ("socks5", socks) }.Where(l => l.Item2 is not null).Select(l => $"{l.Item1} {l.Item2!.LocalEndPoint}"));

        public RelayInstance Snapshot()
        {
            var stats = new[] { http, socks }.OfType<RelayListener>().Select(l => l.GetStats()).ToList();
            return new RelayInstance(
                Record.Id,
                Record.Type,
                Record.InterfaceName,
                Record.Address,
                http?.LocalEndPoint,
                socks?.LocalEndPoint,
                Record.CreatedAt,
                Record.ExpiresAt,
                new RelayInstanceStats(
                    stats.Sum(s => s.ConnectionsAccepted),
                    stats.Sum(s => s.BytesSent),
                    stats.Sum(s => s.BytesReceived),
                    stats.Max(s => s.LastActivity),
                    stats.Max(s => s.Uptime)),
                Record.Credentials?.Username,
                Record.Limits);
        }

        public async Task StopAsync()
        {
            if (http is not null)
            {
                await http.StopAsync().ConfigureAwait(false);
            }

            if (socks is not null)
            {
                await socks.StopAsync().ConfigureAwait(false);
            }
        }
    }
}
