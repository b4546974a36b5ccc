using ProxyKit.Coordination;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Keys;

// Verification: format check, the positive cache, cache invalidation over the event bus, last-use recording.
public sealed partial class ApiKeyService
{
    private static readonly TimeSpan SubscribeRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Lock _subscriptionGate = new();
    private IAsyncDisposable? _subscription;
    private Task? _subscribing;
    private bool _subscribeInFlight;
    private long _subscribeRetryAtTicks;
    private bool _stopped;

    // Bumped by every invalidation: a lookup that raced one does not keep its (possibly stale) result cached.
    private long _invalidations;

    /// <summary>
    /// Checks a presented API key: the owner and key when it is well formed, known and not revoked; otherwise
    /// <see langword="null"/>. Malformed keys (including <see langword="null"/>) are rejected without touching the store.
    /// </summary>
    /// <param name="presentedKey">The key from the request (e.g. the <c>Authorization: Bearer</c> value), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels a store lookup.</param>
    /// <remarks>
    /// A cached key costs one SHA-256 and a dictionary lookup (about 1.5 times a bare SHA-256 of the key, see the
    /// <c>keys</c> bench), allocates nothing and completes synchronously.
    /// The key's <c>last_used_at</c> is written in the background, at most once a minute, never on this path.
    /// </remarks>
    public ValueTask<ApiKeyIdentity?> VerifyAsync(string? presentedKey, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyFormat.IsWellFormed(presentedKey))
        {
            return ValueTask.FromResult<ApiKeyIdentity?>(null);
        }

        var hash = KeyHash.Of(presentedKey);
        var now = _timeProvider.GetUtcNow();
        if (_cache.TryGet(hash, now.UtcTicks, out var entry))
        {
            RecordUse(entry, now);
            return ValueTask.FromResult<ApiKeyIdentity?>(entry.Identity);
        }

        return new ValueTask<ApiKeyIdentity?>(VerifyStoredAsync(hash, now, cancellationToken));
    }

    /// <summary>Gets how many verified keys are cached (tests).</summary>
    internal int CachedKeyCount => _cache.Count;

    /// <summary>Gets whether revocations from other instances are being received; verified keys are cached only while they are (tests).</summary>
    internal bool IsListeningForRevocations => Volatile.Read(ref _subscription) is not null;

    /// <summary>Gets how many last-use updates were queued (tests: the once-a-minute throttle).</summary>
    internal long LastUsesRecorded => _lastUse.Recorded;

    private async Task<ApiKeyIdentity?> VerifyStoredAsync(KeyHash hash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cacheable = _cacheDuration > TimeSpan.Zero && EnsureListening(now);
        var invalidationsBefore = Interlocked.Read(ref _invalidations);
        var hashHex = hash.ToHex();

        StoredKey? stored = null;
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT id, user_id, prefix, key_hash, last_used_at FROM accounts_api_keys WHERE key_hash = @key_hash AND revoked_at IS NULL",
                null).With("key_hash", hashHex);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    stored = new StoredKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
                }
            }
        }

        // The index found the row by hash; the constant-time comparison is the one that decides.
        if (stored is null || !hash.MatchesHex(stored.KeyHash))
        {
            return null;
        }

        var identity = new ApiKeyIdentity(stored.UserId, stored.Id, stored.Prefix);
        var entry = new ApiKeyCacheEntry(hash, identity, now.UtcTicks + _cacheDuration.Ticks, stored.LastUsedAt?.UtcTicks ?? 0);
        RecordUse(entry, now);
        if (cacheable)
        {
            var evicted = _cache.Set(entry, now.UtcTicks);
            if (evicted > 0)
            {
                Log.CacheEvicted(_logger, _cache.Capacity, evicted);
            }

            if (Interlocked.Read(ref _invalidations) != invalidationsBefore)
            {
                _cache.Remove(hash); // a revocation arrived while we read: our row may predate it
            }
        }

        return identity;
    }

    private void RecordUse(ApiKeyCacheEntry entry, DateTimeOffset now)
    {
        if (entry.TryClaimUseRecord(now.UtcTicks, LastUseRecorder.Interval.Ticks))
        {
            _lastUse.Record(entry.Identity.KeyId, now);
        }
    }

    private void Invalidate(string keyId)
    {
        Interlocked.Increment(ref _invalidations);
        if (_cache.RemoveKey(keyId) > 0)
        {
            Log.KeyInvalidated(_logger, keyId);
        }
    }

    // Caching is safe only while revocations reach this instance: subscribe first (in the background, so verification
    // never waits on Redis), and cache nothing until the subscription is in place.
    private bool EnsureListening(DateTimeOffset now)
    {
        if (Volatile.Read(ref _subscription) is not null)
        {
            return true;
        }

        lock (_subscriptionGate)
        {
            if (_stopped || _subscribeInFlight || now.UtcTicks < _subscribeRetryAtTicks)
            {
                return false;
            }

            _subscribeInFlight = true;
        }

        // The subscription outlives the request that happened to start it: it must not carry its ambient state.
        var subscribing = LastUseRecorder.StartDetached(SubscribeAsync);

        lock (_subscriptionGate)
        {
            _subscribing = subscribing;
        }

        return Volatile.Read(ref _subscription) is not null; // the in-process bus subscribes synchronously
    }

    private async Task SubscribeAsync()
    {
        try
        {
            var subscription = await _eventBus.SubscribeAsync(RevokedTopic, OnRevokedAsync).ConfigureAwait(false);
            lock (_subscriptionGate)
            {
                if (!_stopped)
                {
                    Volatile.Write(ref _subscription, subscription);
                    return;
                }
            }

            await subscription.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            lock (_subscriptionGate)
            {
                _subscribeRetryAtTicks = (_timeProvider.GetUtcNow() + SubscribeRetryDelay).UtcTicks;
            }

            Log.RevocationSubscribeFailed(_logger, ex, SubscribeRetryDelay);
        }
        finally
        {
            lock (_subscriptionGate)
            {
                _subscribeInFlight = false;
            }
        }
    }

    private ValueTask OnRevokedAsync(EventMessage message, CancellationToken cancellationToken)
    {
        Invalidate(message.Payload);
        return ValueTask.CompletedTask;
    }

    private async ValueTask StopListeningAsync()
    {
        Task? subscribing;
        IAsyncDisposable? subscription;
        lock (_subscriptionGate)
        {
            _stopped = true;
            subscribing = _subscribing;
            subscription = _subscription;
            _subscription = null;
        }

        if (subscribing is not null)
        {
            await subscribing.ConfigureAwait(false); // never faults: failures are logged
        }

        if (subscription is not null)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        _cache.Clear();
    }

    private sealed record StoredKey(string Id, string UserId, string Prefix, string KeyHash, DateTimeOffset? LastUsedAt);
}
