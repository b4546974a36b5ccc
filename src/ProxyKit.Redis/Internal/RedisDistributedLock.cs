using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>A single-instance Redis lock: SET NX PX with a random token; release and extend only by the token's owner.</summary>
internal sealed class RedisDistributedLock(RedisConnection connection) : IDistributedLock
{
    private const string ReleaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
    private const string ExtendScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

    public async ValueTask<IDistributedLockHandle?> TryAcquireAsync(string resource, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(resource, nameof(resource));
        ArgumentOutOfRangeException.ThrowIfLessThan(expiry, TimeSpan.FromMilliseconds(1));

        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisKey key = connection.KeyPrefix + "lock:" + resource;
        var token = Guid.NewGuid().ToString("N");
        try
        {
            var taken = await database.StringSetAsync(key, token, expiry, When.NotExists).WaitAsync(cancellationToken).ConfigureAwait(false);
            return taken ? new Handle(database, key, resource, token) : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }
    }

    private sealed class Handle(IDatabase database, RedisKey key, string resource, string token) : IDistributedLockHandle
    {
        private int _released;

        public string Resource => resource;

        public async ValueTask<bool> ExtendAsync(TimeSpan expiry, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(expiry, TimeSpan.FromMilliseconds(1));
            if (Volatile.Read(ref _released) != 0)
            {
                return false;
            }

            try
            {
                var result = await database.ScriptEvaluateAsync(ExtendScript, [key], [token, (long)expiry.TotalMilliseconds])
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                return (long)result == 1;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw RedisConnection.Unavailable(ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                await database.ScriptEvaluateAsync(ReleaseScript, [key], [token]).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The expiry releases it anyway; a failed release must not hide the caller's own exception.
            }
        }
    }
}
