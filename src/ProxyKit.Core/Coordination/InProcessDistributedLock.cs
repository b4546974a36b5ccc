namespace ProxyKit.Coordination;

/// <summary>A lock with expiry inside one process (the default without Redis). Time comes from the <see cref="TimeProvider"/>.</summary>
public sealed class InProcessDistributedLock : IDistributedLock
{
    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a lock table.</summary>
    public InProcessDistributedLock(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle?> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(resource, nameof(resource));
        ArgumentOutOfRangeException.ThrowIfLessThan(expiry, TimeSpan.FromMilliseconds(1));
        cancellationToken.ThrowIfCancellationRequested();

        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_holders.TryGetValue(resource, out var holder) && holder.ExpiresAt > now)
            {
                return ValueTask.FromResult<IDistributedLockHandle?>(null);
            }

            var token = Guid.NewGuid();
            _holders[resource] = new Holder(token, now + expiry);
            return ValueTask.FromResult<IDistributedLockHandle?>(new Handle(this, resource, token));
        }
    }

    private bool Extend(string resource, Guid token, TimeSpan expiry)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_holders.TryGetValue(resource, out var holder) && holder.Token == token && holder.ExpiresAt > now)
            {
                _holders[resource] = holder with { ExpiresAt = now + expiry };
                return true;
            }

            return false;
        }
    }

    private void Release(string resource, Guid token)
    {
        lock (_gate)
        {
            if (_holders.TryGetValue(resource, out var holder) && holder.Token == token)
            {
                _holders.Remove(resource);
            }
        }
    }

    private readonly record struct Holder(Guid Token, DateTimeOffset ExpiresAt);

    private sealed class Handle(InProcessDistributedLock owner, string resource, Guid token) : IDistributedLockHandle
    {
        private int _released;

        public string Resource => resource;

        public ValueTask<bool> ExtendAsync(TimeSpan expiry, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(expiry, TimeSpan.FromMilliseconds(1));
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Volatile.Read(ref _released) == 0 && owner.Extend(resource, token, expiry));
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(resource, token);
            }

            return ValueTask.CompletedTask;
        }
    }
}
