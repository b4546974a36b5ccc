namespace ProxyKit.Coordination;

/// <summary>
/// A lock with an expiry, shared by every host when a shared backend (Redis) is configured: for "one host
/// runs this loop at a time" work such as reapers. The expiry bounds how long a crashed holder blocks
/// others; a holder doing long work extends it. Correctness of data still lives in the database.
/// </summary>
public interface IDistributedLock
{
    /// <summary>Takes the lock on <paramref name="resource"/> if nobody holds it.</summary>
    /// <param name="resource">The locked name, 1 to 256 characters.</param>
    /// <param name="expiry">How long the lock lasts unless extended or released, from 1 ms.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A handle that releases the lock when disposed, or <see langword="null"/> when the lock is held by someone else.</returns>
    ValueTask<IDistributedLockHandle?> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default);
}

/// <summary>A held lock. Disposing releases it, if this holder still owns it.</summary>
public interface IDistributedLockHandle : IAsyncDisposable
{
    /// <summary>Gets the locked name.</summary>
    string Resource { get; }

    /// <summary>Resets the expiry to <paramref name="expiry"/> from now.</summary>
    /// <returns><see langword="false"/> when the lock was lost (it expired and someone else may hold it).</returns>
    ValueTask<bool> ExtendAsync(TimeSpan expiry, CancellationToken cancellationToken = default);
}
