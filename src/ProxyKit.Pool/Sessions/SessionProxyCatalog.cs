using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Sessions;

/// <summary>
/// This host's view of the session proxies that <c>next</c> rotates over, so picking a proxy reads memory, not the
/// database. A change made here, or announced by another host on the event bus, makes the next caller read the database
/// again; otherwise the view is re-read every <see cref="SessionRotationOptions.RefreshInterval"/> in the background
/// while callers keep using the previous one.
/// </summary>
internal sealed class SessionProxyCatalog(SessionProxyStore store, TimeProvider timeProvider, IOptions<PoolOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private Snapshot? _snapshot;
    private long _version;
    private long _loadsStarted;
    private long _hintWrites;
    private int _refreshing;

    public void Dispose() => _reload.Dispose();

    /// <summary>
    /// Records what this host just learned of a proxy's error streak. A load already reading the database when this is
    /// written keeps it rather than the older row it read.
    /// </summary>
    public void SetErrors(Entry entry, int errorCount, DateTimeOffset? cooldownUntil, int cooldownLevel)
    {
        var hint = new ErrorHint(errorCount, cooldownUntil, cooldownLevel, Interlocked.Increment(ref _hintWrites));
        entry.Errors = hint;

        // The caller may hold an entry of a view replaced meanwhile (by a load that may have read the row before our write).
        if (Volatile.Read(ref _snapshot)?.Proxies.GetValueOrDefault(entry.Id) is { } latest && !ReferenceEquals(latest, entry))
        {
            latest.Errors = hint;
        }
    }

    /// <summary>Makes the next read load the proxies again (after a create, delete, status change or bind).</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    /// <summary>Gets the current view, loading it when it was invalidated, and refreshing it in the background when old.</summary>
    public async ValueTask<Snapshot> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && snapshot.Version == Interlocked.Read(ref _version))
        {
            if (timeProvider.GetUtcNow() - snapshot.LoadedAt >= options.Value.Sessions.RefreshInterval
                && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            {
                _ = RefreshInBackgroundAsync();
            }

            return snapshot;
        }

        return await LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the view from the database now, unless a read that started after this call finished while it waited (that
    /// one is as fresh): callers use it when the database must judge (a session or proxy another host may just have added).
    /// </summary>
    public async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var requested = Interlocked.Read(ref _loadsStarted);
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _snapshot);
            if (current is not null && current.Sequence > requested && current.Version == Interlocked.Read(ref _version))
            {
                return current; // started after we asked, and nothing changed since
            }

            // The version is read before the rows: a change committed meanwhile bumps it and forces another load.
            var sequence = Interlocked.Increment(ref _loadsStarted);
            var version = Interlocked.Read(ref _version);
            var hintsBefore = Interlocked.Read(ref _hintWrites);
            var windowStart = timeProvider.GetUtcNow() - options.Value.Sessions.HealthWindow;
            var loaded = await store.ReadCatalogAsync(windowStart, version, sequence, cancellationToken).ConfigureAwait(false);
            foreach (var entry in loaded.Ordered)
            {
                entry.Weight = SessionProxyRotation.Weight(entry.Health, options.Value.Sessions.ReferenceLatencyMs);
                if (current?.Proxies.GetValueOrDefault(entry.Id)?.Errors is { } local && local.Stamp > hintsBefore)
                {
                    entry.Errors = local; // learned here while the rows were being read: newer than the row
                }
            }

            Volatile.Write(ref _snapshot, loaded);
            return loaded;
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task RefreshInBackgroundAsync()
    {
        try
        {
            await LoadAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The previous view keeps serving; the next caller after the interval tries again.
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    /// <summary>The proxies and bound sessions as of one load.</summary>
    internal sealed class Snapshot(
        long version, long sequence, DateTimeOffset loadedAt, IReadOnlyDictionary<long, Entry> proxies, IReadOnlyDictionary<string, BoundSession> sessions)
    {
        /// <summary>Gets the change counter the view reflects.</summary>
        public long Version { get; } = version;

        /// <summary>Gets the number of the load that produced the view.</summary>
        public long Sequence { get; } = sequence;

        public DateTimeOffset LoadedAt { get; } = loadedAt;

        /// <summary>Gets the proxies by id.</summary>
        public IReadOnlyDictionary<long, Entry> Proxies { get; } = proxies;

        /// <summary>Gets the bound sessions by keyed hash of the cookie.</summary>
        public IReadOnlyDictionary<string, BoundSession> Sessions { get; } = sessions;

        /// <summary>Gets the proxies in id order (for deterministic iteration).</summary>
        public Entry[] Ordered { get; } = [.. proxies.Values.OrderBy(static e => e.Id)];
    }

    /// <summary>
    /// One proxy as rotation sees it. <see cref="Errors"/> is updated in place by this host's reports between loads (a hint:
    /// the database holds the truth and the next load replaces it).
    /// </summary>
    internal sealed class Entry(long id, string ip, int port, string? username, string? password, string status)
    {
        public long Id { get; } = id;

        public string Ip { get; } = ip;

        public int Port { get; } = port;

        public string? Username { get; } = username;

        public string? Password { get; } = password;

        public string Status { get; } = status;

        public int SessionCount { get; init; }

        public SessionProxyHealth Health { get; set; }

        /// <summary>Gets or sets the rotation weight from <see cref="Health"/> (set once per load).</summary>
        public double Weight { get; set; }

        /// <summary>Gets or sets the error streak and cooldown (swapped whole, so readers never see half an update).</summary>
        public ErrorHint Errors { get; set; } = ErrorHint.None;
    }

    /// <summary>A proxy's error streak and cooldown.</summary>
    /// <param name="ErrorCount">Consecutive failures.</param>
    /// <param name="CooldownUntil">When the last cooldown ends.</param>
    /// <param name="CooldownLevel">Cooldowns in a row.</param>
    /// <param name="Stamp">The order of local writes (0 when read from the database).</param>
    internal sealed record ErrorHint(int ErrorCount, DateTimeOffset? CooldownUntil, int CooldownLevel, long Stamp = 0)
    {
        public static ErrorHint None { get; } = new(0, null, 0);
    }

    /// <summary>A session as rotation sees it.</summary>
    internal sealed record BoundSession(long Id, long ProxyId, string Status, DateTimeOffset CreatedAt);
}
