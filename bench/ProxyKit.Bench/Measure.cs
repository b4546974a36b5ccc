using System.Diagnostics;

namespace ProxyKit.Bench;

/// <summary>Runs an operation from N concurrent callers for a fixed time and reports operations per second.</summary>
internal static class Measure
{
    public static async Task<double> OpsPerSecondAsync(int concurrency, TimeSpan duration, Func<int, long, ValueTask> operation)
    {
        // Warm-up: JIT, connection pools, scripts loaded.
        for (var i = 0; i < 200; i++)
        {
            await operation(0, i);
        }

        long total = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = duration;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            long count = 0;
            while (stopwatch.Elapsed < deadline)
            {
                await operation(worker, count++);
            }

            Interlocked.Add(ref total, count);
        }));
        await Task.WhenAll(workers);
        return total / stopwatch.Elapsed.TotalSeconds;
    }

    public static void Print(string name, double opsPerSecond, double baseline) =>
        Console.WriteLine($"{name,-48} {opsPerSecond,14:N0} ops/s   {opsPerSecond / baseline,6:0.00}x baseline");
}
