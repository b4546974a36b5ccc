using System.Globalization;
using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>
/// The keyed rate limiter shared by every host: one Lua script per decision, so the check and the count are
/// atomic in Redis. Time comes from the caller's <see cref="TimeProvider"/> (hosts are assumed NTP-synced),
/// which keeps the semantics identical to the in-process limiter.
/// </summary>
internal sealed class RedisKeyedRateLimiter(RedisConnection connection, TimeProvider timeProvider) : IKeyedRateLimiter
{
    // KEYS[1] base key; ARGV now_ms, window_ms, limit, permits. Returns {allowed, remaining, retry_after_ms}.
    // Expiry is relative (PEXPIRE): "now" is the caller's clock, which need not match the Redis server's.
    private const string FixedWindowScript = """
        local now = tonumber(ARGV[1]); local window = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3]); local permits = tonumber(ARGV[4])
        local index = math.floor(now / window)
        local key = KEYS[1] .. ':' .. index
        local count = tonumber(redis.call('GET', key) or '0')
        if count + permits > limit then
          return {0, limit - count, (index + 1) * window - now}
        end
        count = redis.call('INCRBY', key, permits)
        if count == permits then redis.call('PEXPIRE', key, (index + 1) * window - now + 1000) end
        return {1, limit - count, 0}
        """;

    // KEYS[1] sorted set of permit times; ARGV now_ms, window_ms, limit, permits, unique id. The window is (now - window, now].
    private const string SlidingWindowScript = """
        local now = tonumber(ARGV[1]); local window = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3]); local permits = tonumber(ARGV[4])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        local count = redis.call('ZCARD', KEYS[1])
        if count + permits > limit then
          local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          local retry = window
          if oldest[2] then retry = tonumber(oldest[2]) + window - now end
          return {0, limit - count, retry}
        end
        for i = 1, permits do redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. i) end
        redis.call('PEXPIRE', KEYS[1], window)
        return {1, limit - count - permits, 0}
        """;

    public async ValueTask<RateLimitDecision> TryAcquireAsync(string key, RateLimitRule rule, int permits = 1, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidKey(key);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentOutOfRangeException.ThrowIfLessThan(permits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permits, rule.PermitLimit);

        var database = await connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)rule.Window.TotalMilliseconds;
        var sliding = rule.Algorithm == RateLimitAlgorithm.SlidingWindow;
        RedisKey redisKey = $"{connection.KeyPrefix}rl:{(sliding ? "s" : "f")}:{key}";
        RedisValue[] arguments = sliding
            ? [now, windowMs, rule.PermitLimit, permits, Guid.NewGuid().ToString("N")]
            : [now, windowMs, rule.PermitLimit, permits];

        RedisResult result;
        try
        {
            result = await database.ScriptEvaluateAsync(sliding ? SlidingWindowScript : FixedWindowScript, [redisKey], arguments)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }

        var values = (RedisResult[])result!;
        return new RateLimitDecision(
            (long)values[0] == 1,
            (int)(long)values[1],
            TimeSpan.FromMilliseconds(Math.Max(0, (long)values[2])));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RedisKeyedRateLimiter({connection.KeyPrefix})");
}
