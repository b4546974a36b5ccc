using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Accounts.Ledger;
using ProxyKit.ExternalSocks;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Orders;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Ledger;
using ProxyKit.ProviderEmulator;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Bench;

/// <summary>
/// Seed 001 resale against the provider emulator (real HTTP on loopback): a sync of 10,000 items against fetching the same
/// listing bare through the client; then purchases from 32 concurrent users with a 20 ms provider, p50/p99 against bare
/// provider buys measured the same way, and the ledger audited afterwards.
/// </summary>
internal static class ExternalSocksBench
{
    private const int WarmupPurchases = 300;

    public const string Usage = "usage: ProxyKit.Bench external [--items N] [--users N] [--purchases N] [--buy-latency-ms N] [--postgres CONNECTION_STRING]";

    public static async Task<int> RunAsync(string[] args)
    {
        var items = int.Parse(BenchArgs.Option(args, "--items") ?? "10000", CultureInfo.InvariantCulture);
        var users = int.Parse(BenchArgs.Option(args, "--users") ?? "32", CultureInfo.InvariantCulture);
        var purchases = int.Parse(BenchArgs.Option(args, "--purchases") ?? "2000", CultureInfo.InvariantCulture);
        var buyLatency = int.Parse(BenchArgs.Option(args, "--buy-latency-ms") ?? "20", CultureInfo.InvariantCulture);
        var postgres = BenchArgs.Option(args, "--postgres");
        if (purchases * 2 > items)
        {
            Console.Error.WriteLine("--items must be at least twice --purchases (half is bought bare for the baseline).");
            return 2;
        }

        var folder = Directory.CreateTempSubdirectory("proxykit-bench-external-");
        await using var emulator = await ProviderEmulatorHost.StartAsync(items, seed: 3);
        emulator.State.Reset(new EmulatorReset(items, Seed: 3, Balance: 1_000_000m, Token: emulator.Token));
        for (var i = 0; i < items; i++)
        {
            emulator.State.SetProxyStatus(1000 + i, 1);
        }

        var database = BenchDatabase.Create(folder, postgres);
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(database);
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));
        services.AddProxyKitAccounts();
        services.AddProxyKitExternalSocks(o =>
        {
            o.BaseUrl = emulator.BaseUrl;
            o.ApiToken = emulator.Token;
            o.MaxConcurrentRequests = users;
        });
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<MigrationRunner>().RunAsync();
        Console.WriteLine($"external: {BenchDatabase.Name(postgres)}, emulator with {items:N0} proxies, {Environment.ProcessorCount} cores shared by everything");

        // Sync: the bare listing (every page through the client) is the floor the sync adds to.
        var client = provider.GetRequiredService<IExternalSocksProviders>().Default;
        var clock = Stopwatch.StartNew();
        var fetched = 0;
        for (var page = 0; fetched < items; page++)
        {
            fetched += (await client.ListOnlineAsync(new ProviderListQuery(Page: page, PageSize: InventorySyncWorker.PageSize))).Items.Count;
        }

        var bare = clock.Elapsed;
        var catalog = provider.GetRequiredService<ExternalProxyCatalog>();
        clock.Restart();
        var first = (await catalog.SyncAsync(null, InventorySyncWorker.PageSize)).Value!;
        var firstTime = clock.Elapsed;
        clock.Restart();
        var second = (await catalog.SyncAsync(null, InventorySyncWorker.PageSize)).Value!;
        var secondTime = clock.Elapsed;
        Console.WriteLine($"  baseline: list {fetched:N0} items bare        {bare.TotalSeconds,7:0.00} s");
        Console.WriteLine($"  first sync ({first.Added:N0} added)           {firstTime.TotalSeconds,7:0.00} s   {firstTime / bare,6:0.00}x baseline   (target <= 5 s)");
        Console.WriteLine($"  second sync ({second.Skipped:N0} skipped)       {secondTime.TotalSeconds,7:0.00} s   {secondTime / bare,6:0.00}x baseline");

        // Purchases: the provider answers each buy after buyLatency ms.
        emulator.State.SetFaults(new EmulatorFaults { BuyLatencyMs = buyLatency });
        var ledger = provider.GetRequiredService<CreditLedger>();
        var buyers = Enumerable.Range(0, users).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var buyer in buyers)
        {
            await ledger.GrantAsync(new LedgerGrant(buyer, LedgerAsset.Usd, 100_000_00, $"bench-{buyer:N}"));
        }

        var products = (await catalog.ListAsync(new InventoryQuery { PageSize = 500 })).Value!.Total;
        var productIds = new List<long>();
        for (var page = 0; productIds.Count < products; page++)
        {
            productIds.AddRange((await catalog.ListAsync(new InventoryQuery { Page = page, PageSize = 500 })).Value!.Items.Select(static i => i.ProductId));
        }

        // Bare buys take proxies the shop's purchases will not (product ids follow the provider's order).
        var baselineIds = new Queue<long>(Enumerable.Range(1000 + purchases, purchases).Select(static i => (long)i));
        var baseline = await LatenciesAsync(users, purchases, async _ =>
        {
            long proxyId;
            lock (baselineIds)
            {
                proxyId = baselineIds.Dequeue();
            }

            await client.BuyAsync(proxyId);
        });

        // Each of the users is one buyer buying one proxy after another (closed loop, no think time). A first round that
        // is not measured lets the JIT settle (tiered compilation took a tenth of the CPU of a cold run).
        var shop = provider.GetRequiredService<ExternalProxyShop>();
        var warmup = Math.Min(WarmupPurchases, items - 2 * purchases);
        var queue = new Queue<long>(productIds.Skip(2 * purchases).Take(warmup).Concat(productIds.Take(purchases)));
        var failures = 0;
        async Task BuyNextAsync(int worker)
        {
            long productId;
            lock (queue)
            {
                productId = queue.Dequeue();
            }

            var result = await shop.PurchaseAsync(buyers[worker], productId);
            if (!result.Succeeded || result.Value!.State != ExternalOrderStates.Completed)
            {
                Interlocked.Increment(ref failures);
            }
        }

        await LatenciesAsync(users, warmup, BuyNextAsync);
        var measured = await LatenciesAsync(users, purchases, BuyNextAsync);

        Console.WriteLine($"  baseline: bare provider buy ({users} callers)   p50 {baseline.P50,6:0.0} ms   p99 {baseline.P99,6:0.0} ms   {baseline.PerSecond,7:N0}/s");
        Console.WriteLine($"  purchases ({users} users)                 p50 {measured.P50,6:0.0} ms   p99 {measured.P99,6:0.0} ms   {measured.PerSecond,7:N0}/s   " +
            $"p99 {measured.P99 / baseline.P99:0.00}x baseline   (target p99 <= 100 ms)");

        var audit = await ledger.AuditAsync();
        var charged = 0L;
        foreach (var buyer in buyers)
        {
            charged += 100_000_00 - await ledger.GetBalanceAsync(buyer, LedgerAsset.Usd);
        }

        var completed = warmup + purchases - failures;
        var expected = completed * shop.PriceCents;
        Console.WriteLine($"  ledger: {audit.Transfers:N0} transfers, {(audit.Balanced ? "balanced" : "UNBALANCED: " + string.Join("; ", audit.Problems))}; " +
            $"charged {charged / 100m:N2} USD for {completed:N0} completed purchases ({warmup} of them warm-up) ({(charged == expected ? "matches" : $"MISMATCH, expected {expected / 100m:N2}")}); failed {failures}");
        folder.Delete(recursive: true);
        return audit.Balanced && charged == expected && failures == 0 ? 0 : 1;
    }

    private static async Task<(double P50, double P99, double PerSecond)> LatenciesAsync(int concurrency, int total, Func<int, Task> operation)
    {
        var latencies = new double[total];
        var index = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref index) is var i && i < total)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(worker);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (latencies[total / 2], latencies[(int)(total * 0.99)], total / elapsed);
    }
}
