using System.Globalization;
using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>
/// The keyed concurrency limiter shared by every host: a sorted set of lease ids scored by expiry, purged and counted
/// in the same Lua script that adds, so the check and the take are atomic. Time comes from the caller's
/// <see cref="TimeProvider"/> like the rate limiter's.
/// </summary>
internal sealed class RedisKeyedConcurrencyLimiter(RedisConnection connection, TimeProvider timeProvider) : IKeyedConcurrencyLimiter
{
    // KEYS[1] sorted set; ARGV now_ms, expires_ms, limit, lease id. Returns {acquired, in_use, expiry_ms}.
    private const string AcquireScript = """
        local now = tonumber(ARGV[1]); local expires = tonumber(ARGV[2]); local limit = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local count = redis.call('ZCARD', KEYS[1])
        if count >= limit then
          local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return {0, count, tonumber(earliest[2])}
        end
        redis.call('ZADD', KEYS[1], expires, ARGV[4])
        local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        redis.call('PEXPIRE', KEYS[1], tonumber(latest[2]) - now + 1000)
        return {1, count + 1, expires}
        """;

    // KEYS[1] sorted set; ARGV now_ms, lease id. An expired lease is not released (it already was).
    private const string ReleaseScript = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
        if not score then return 0 end
        redis.call('ZREM', KEYS[1], ARGV[2])
        if tonumber(score) <= tonumber(ARGV[1]) then return 0 end
        return 1
        """;

    public async ValueTask<ConcurrencyDecision> TryAcquireAsync(string key, int limit, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(key);
        CoordinationNames.ThrowIfInvalidLease(limit, leaseDuration);

        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = now + (long)leaseDuration.TotalMilliseconds;
        var id = Guid.NewGuid().ToString("N");
        var values = (RedisResult[])(await EvaluateAsync(database, AcquireScript, key, [now, expires, limit, id], cancellationToken).ConfigureAwait(false))!;
        var acquired = (long)values[0] == 1;
        return new ConcurrencyDecision(
            acquired, acquired ? id : null, DateTimeOffset.FromUnixTimeMilliseconds((long)values[2]), (int)(long)values[1]);
    }

    public async ValueTask<bool> ReleaseAsync(string key, string leaseId, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(key);
        ArgumentException.ThrowIfNullOrEmpty(leaseId);

        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        return (long)(await EvaluateAsync(database, ReleaseScript, key, [now, leaseId], cancellationToken).ConfigureAwait(false)) == 1;
    }

    public async ValueTask<IReadOnlyList<int>> CountAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            CoordinationNames.ThrowIfInvalidKey(key);
        }

        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            // Issued together, the multiplexer pipelines them: one round trip's latency for any number of keys.
            var counts = keys.Select(key => database.SortedSetLengthAsync(RedisKeyOf(key), now, double.PositiveInfinity, Exclude.Start)).ToArray();
            var lengths = await Task.WhenAll(counts).WaitAsync(cancellationToken).ConfigureAwait(false);
            return [.. lengths.Select(static length => (int)length)];
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RedisKeyedConcurrencyLimiter({connection.KeyPrefix})");

    private RedisKey RedisKeyOf(string key) => $"{connection.KeyPrefix}cc:{key}";

    private async Task<RedisResult> EvaluateAsync(IDatabase database, string script, string key, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await database.ScriptEvaluateAsync(script, [RedisKeyOf(key)], arguments).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }
    }
}
