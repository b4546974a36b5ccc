using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Bench;

/// <summary>
/// Keyed rate-limit decisions per second: in-process against a plain ConcurrentDictionary counter, and on Redis
/// against a raw INCR round trip (the least any shared counter can cost), each measured in the same run.
/// </summary>
internal static class CoordinationBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = TimeSpan.FromSeconds(int.Parse(BenchArgs.Option(args, "--seconds") ?? "3", System.Globalization.CultureInfo.InvariantCulture));
        var concurrency = int.Parse(BenchArgs.Option(args, "--concurrency") ?? "64", System.Globalization.CultureInfo.InvariantCulture);
        var redis = BenchArgs.Option(args, "--redis") ?? Environment.GetEnvironmentVariable("PROXYKIT_TEST_REDIS");
        var keys = Enumerable.Range(0, 10_000).Select(i => $"client:{i}").ToArray();
        var sliding = new RateLimitRule(1_000_000, TimeSpan.FromMinutes(1));
        var fixedWindow = new RateLimitRule(int.MaxValue, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow);

        Console.WriteLine($"coordination: {Environment.ProcessorCount} cores, {concurrency} concurrent callers, {seconds.TotalSeconds:0} s per figure");
        var threads = Environment.ProcessorCount;

        var counters = new ConcurrentDictionary<string, long>();
        var baseline = await Measure.OpsPerSecondAsync(threads, seconds, (w, i) =>
        {
            counters.AddOrUpdate(keys[(i * 7 + w) % keys.Length], 1, static (_, v) => v + 1);
            return ValueTask.CompletedTask;
        });
        Measure.Print("baseline: ConcurrentDictionary increment", baseline, baseline);

        var limiter = new InProcessKeyedRateLimiter(TimeProvider.System);
        Measure.Print("in-process fixed window, 10k keys",
            await Measure.OpsPerSecondAsync(threads, seconds, async (w, i) => await limiter.TryAcquireAsync(keys[(i * 7 + w) % keys.Length], fixedWindow)), baseline);
        Measure.Print("in-process fixed window, 1 hot key",
            await Measure.OpsPerSecondAsync(threads, seconds, async (_, _) => await limiter.TryAcquireAsync("hot", fixedWindow)), baseline);
        var slidingSmall = new RateLimitRule(100, TimeSpan.FromSeconds(1));
        Measure.Print("in-process sliding window (100/s), 10k keys",
            await Measure.OpsPerSecondAsync(threads, seconds, async (w, i) => await limiter.TryAcquireAsync(keys[(i * 7 + w) % keys.Length], slidingSmall)), baseline);

        if (string.IsNullOrWhiteSpace(redis))
        {
            Console.WriteLine("redis: skipped (pass --redis host:port or set PROXYKIT_TEST_REDIS)");
            return 0;
        }

        using var raw = await ConnectionMultiplexer.ConnectAsync(redis);
        var database = raw.GetDatabase();
        var prefix = $"bench:{Guid.NewGuid():N}:";
        var redisBaseline = await Measure.OpsPerSecondAsync(concurrency, seconds, async (w, i) => await database.StringIncrementAsync(prefix + keys[(i * 7 + w) % keys.Length]));
        Measure.Print("redis baseline: raw INCR round trip", redisBaseline, redisBaseline);

        var services = new ServiceCollection();
        services.AddProxyKitCoordination().UseRedis(o => { o.Configuration = redis; o.KeyPrefix = prefix; });
        await using var provider = services.BuildServiceProvider();
        var redisLimiter = provider.GetRequiredService<IKeyedRateLimiter>();
        Measure.Print("redis fixed window (Lua), 10k keys",
            await Measure.OpsPerSecondAsync(concurrency, seconds, async (w, i) => await redisLimiter.TryAcquireAsync(keys[(i * 7 + w) % keys.Length], fixedWindow)), redisBaseline);
        Measure.Print("redis sliding window (Lua), 10k keys",
            await Measure.OpsPerSecondAsync(concurrency, seconds, async (w, i) => await redisLimiter.TryAcquireAsync(keys[(i * 7 + w) % keys.Length], sliding)), redisBaseline);
        return 0;
    }
}
