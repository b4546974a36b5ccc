using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using ProxyKit.Accounts;
using ProxyKit.Accounts.Ledger;
using ProxyKit.Ledger;
using ProxyKit.Postgres;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Bench;

/// <summary>
/// Debits per second through <see cref="CreditLedger"/> on PostgreSQL: the single-writer batcher against the naive
/// conditional <c>UPDATE ... WHERE balance &gt;= x</c> per charge, both measured in the same run, on one hot account and
/// spread over 10,000 accounts; the books are audited after every figure.
/// </summary>
internal static class LedgerBench
{
    public const string Usage = "usage: ProxyKit.Bench ledger [--postgres CONNECTION_STRING] [--seconds N] [--concurrency N]   (or set PROXYKIT_TEST_POSTGRES)";

    public static async Task<int> RunAsync(string[] args)
    {
        var connectionString = BenchArgs.Option(args, "--postgres") ?? Environment.GetEnvironmentVariable("PROXYKIT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var seconds = TimeSpan.FromSeconds(int.Parse(BenchArgs.Option(args, "--seconds") ?? "5", CultureInfo.InvariantCulture));
        var concurrency = int.Parse(BenchArgs.Option(args, "--concurrency") ?? "64", CultureInfo.InvariantCulture);
        var database = PostgresStorage.CreateDatabase(connectionString);
        await new MigrationRunner(database, [MigrationModule.FromAssembly("accounts", typeof(CreditLedger).Assembly)], TimeProvider.System).RunAsync();
        Console.WriteLine($"ledger: PostgreSQL, {Environment.ProcessorCount} cores, {concurrency} concurrent callers, {seconds.TotalSeconds:0} s per figure");

        // 10,000 funded users, as a running system has: the hot figures charge the first of them, the spread ones all.
        var users = await SeedAsync(database, 10_000);
        var naiveHot = await RunAsync(database, batched: false, users[..1], concurrency, seconds);
        var batchedHot = await RunAsync(database, batched: true, users[..1], concurrency, seconds);
        var naiveSpread = await RunAsync(database, batched: false, users, concurrency, seconds);
        var batchedSpread = await RunAsync(database, batched: true, users, concurrency, seconds);
        Measure.Print("baseline: conditional UPDATE, 1 hot account", naiveHot, naiveHot);
        Measure.Print("batched single writer, 1 hot account", batchedHot, naiveHot);
        Measure.Print("baseline: conditional UPDATE, 10,000 accounts", naiveSpread, naiveSpread);
        Measure.Print("batched single writer, 10,000 accounts", batchedSpread, naiveSpread);
        Console.WriteLine($"target: >= 5,000 debits/s on the hot account: {(batchedHot >= 5_000 ? "met" : "NOT met")}");
        return 0;
    }

    private static async Task<Guid[]> SeedAsync(ProxyKitDatabase database, int count)
    {
        await using var ledger = new CreditLedger(database, Options.Create(new AccountsOptions()), TimeProvider.System);
        var users = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var user in users)
        {
            await ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, 100_000_000, $"bench-grant-{user:N}"));
        }

        // Statistics as autovacuum keeps them in a running system (a freshly filled table has none).
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var analyze = connection.CreateCommand("ANALYZE ledger_balances; ANALYZE ledger_transfers", null);
            await analyze.ExecuteNonQueryAsync();
        }

        return users;
    }

    private static async Task<double> RunAsync(ProxyKitDatabase database, bool batched, Guid[] users, int concurrency, TimeSpan duration)
    {
        await using var ledger = new CreditLedger(database, Options.Create(new AccountsOptions { BatchCharges = batched }), TimeProvider.System);
        var accounts = users.Length;
        var run = Guid.NewGuid().ToString("N")[..8];
        long refused = 0, sequence = 0;
        var rate = await Measure.OpsPerSecondAsync(concurrency, duration, async (worker, i) =>
        {
            var user = users[(int)((i * 7919 + worker) % users.Length)];
            var result = await ledger.ChargeAsync(new LedgerCharge(user, LedgerAsset.Credits, 1, $"{run}-{Interlocked.Increment(ref sequence)}", "bench"));
            if (!result.Succeeded || result.Replayed)
            {
                Interlocked.Increment(ref refused);
            }
        });

        var audit = Stopwatch.StartNew();
        var books = await ledger.AuditAsync();
        Console.WriteLine($"  {(batched ? "batched" : "naive"),-8} {accounts,6:N0} account(s): {rate,10:N0} debits/s, {refused} refused, audit of {books.Transfers:N0} transfers in {audit.Elapsed.TotalSeconds:0.0} s: {(books.Balanced ? "balanced" : string.Join("; ", books.Problems.Take(3)))}");
        return books.Balanced && refused == 0 ? rate : throw new InvalidOperationException("The ledger's invariants failed under load.");
    }
}
