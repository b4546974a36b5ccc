using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ProxyKit.Accounts;
using ProxyKit.Accounts.Keys;
using ProxyKit.Coordination;
using ProxyKit.Sqlite;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Bench;

/// <summary>
/// API key verification: cached <see cref="ApiKeyService.VerifyAsync"/> against a bare SHA-256 of the same keys (the
/// least any hash-then-compare check can cost), single-threaded in ns/op and on every core in ops/s, measured in the
/// same run; plus uncached verification (a SQLite lookup per call) for scale.
/// </summary>
public static class KeysBench
{
    /// <summary>The command line of this bench.</summary>
    public const string Usage = "usage: ProxyKit.Bench keys [--seconds N] [--keys N]   (cached VerifyAsync ns/op vs bare SHA-256; target <= 5 us/op)";

    private const double TargetNanoseconds = 5_000;

    /// <summary>Runs the bench; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var seconds = TimeSpan.FromSeconds(int.Parse(BenchArgs.Option(args, "--seconds") ?? "3", CultureInfo.InvariantCulture));
        var keyCount = int.Parse(BenchArgs.Option(args, "--keys") ?? "1000", CultureInfo.InvariantCulture);
        var folder = Directory.CreateTempSubdirectory("proxykit-keys-bench-").FullName;
        try
        {
            await using var database = SqliteStorage.CreateDatabase($"Data Source={Path.Combine(folder, "keys.db")}");
            await new MigrationRunner(database, [MigrationModule.FromAssembly("accounts", typeof(ApiKeyService).Assembly)], TimeProvider.System).RunAsync();
            await using var bus = new InProcessEventBus();
            await using var cached = Service(database, bus, TimeSpan.FromMinutes(10));
            var keys = await CreateKeysAsync(cached, keyCount);

            Console.WriteLine($"keys: {Environment.ProcessorCount} cores, {keys.Length} keys (SQLite), {seconds.TotalSeconds:0} s per figure");

            // Every key verified once: the cache is warm, and each key's last use is recorded (the next is a minute away).
            foreach (var key in keys)
            {
                _ = await cached.VerifyAsync(key) ?? throw new InvalidOperationException("A freshly created key did not verify.");
            }

            var hashNs = NanosecondsPerOp(seconds, keys, static key => HashOnce(key), out var hashAlloc);
            var verifyNs = NanosecondsPerOp(seconds, keys, key => VerifyCached(cached, key), out var verifyAlloc);
            Console.WriteLine($"{"baseline: SHA256.HashData of the key, 1 thread",-52} {hashNs,10:N0} ns/op {hashAlloc,6:0} B/op");
            Console.WriteLine($"{"cached VerifyAsync, 1 thread",-52} {verifyNs,10:N0} ns/op {verifyAlloc,6:0} B/op   {verifyNs / hashNs,6:0.00}x baseline");

            var threads = Environment.ProcessorCount;
            var hashRate = await Measure.OpsPerSecondAsync(threads, seconds, (w, i) =>
            {
                HashOnce(keys[(int)((i * 7 + w) % keys.Length)]);
                return ValueTask.CompletedTask;
            });
            Measure.Print($"baseline: SHA256.HashData, {threads} threads", hashRate, hashRate);
            Measure.Print($"cached VerifyAsync, {threads} threads",
                await Measure.OpsPerSecondAsync(threads, seconds, async (w, i) => await cached.VerifyAsync(keys[(int)((i * 7 + w) % keys.Length)])), hashRate);

            await using var uncached = Service(database, bus, TimeSpan.Zero);
            var lookups = Math.Min(keys.Length, 2_000);
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < lookups; i++)
            {
                _ = await uncached.VerifyAsync(keys[i]) ?? throw new InvalidOperationException("A key did not verify.");
            }

            var uncachedNs = stopwatch.Elapsed.TotalNanoseconds / lookups;
            Console.WriteLine($"{"uncached VerifyAsync (SQLite lookup), 1 caller",-52} {uncachedNs,10:N0} ns/op          {uncachedNs / hashNs,6:0.00}x baseline");
            Console.WriteLine(verifyNs <= TargetNanoseconds
                ? $"cached verification: {verifyNs:N0} ns/op, within the {TargetNanoseconds:N0} ns target"
                : $"cached verification: {verifyNs:N0} ns/op, OVER the {TargetNanoseconds:N0} ns target");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ApiKeyService Service(ProxyKitDatabase database, IEventBus bus, TimeSpan cacheDuration) =>
        new(database, Options.Create(new AccountsOptions { KeyCacheDuration = cacheDuration }), TimeProvider.System, bus);

    private static async Task<string[]> CreateKeysAsync(ApiKeyService service, int count)
    {
        var registered = await service.RegisterAsync($"bench-{Guid.NewGuid():N}@example.com", "Bench");
        if (!registered.Succeeded)
        {
            throw new InvalidOperationException($"Registration failed: {registered.Message}");
        }

        var keys = new List<string> { registered.ApiKey.Key };
        while (keys.Count < count)
        {
            keys.Add((await service.CreateKeyAsync(registered.User.Id, $"bench-{keys.Count}")).ApiKey!.Key);
        }

        return [.. keys];
    }

    // The baseline does what verification must do at the least: encode the key and hash it.
    private static void HashOnce(string key)
    {
        Span<byte> ascii = stackalloc byte[64];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var length = Encoding.ASCII.GetBytes(key, ascii);
        SHA256.HashData(ascii[..length], digest);
    }

    private static void VerifyCached(ApiKeyService service, string key)
    {
        var pending = service.VerifyAsync(key);
        if (!pending.IsCompletedSuccessfully || pending.Result is null)
        {
            throw new InvalidOperationException("A cached verification did not complete synchronously with an identity.");
        }
    }

    private static double NanosecondsPerOp(TimeSpan duration, string[] keys, Action<string> operation, out double bytesPerOp)
    {
        for (var i = 0; i < 10_000; i++)
        {
            operation(keys[i % keys.Length]); // warm-up: JIT tiers
        }

        long count = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < duration)
        {
            for (var i = 0; i < 1_024; i++)
            {
                operation(keys[(int)(count++ % keys.Length)]);
            }
        }

        var elapsed = stopwatch.Elapsed;
        bytesPerOp = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)count;
        return elapsed.TotalNanoseconds / count;
    }
}
