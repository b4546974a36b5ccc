using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.WireGuard;
using ProxyKit.WireGuard.Allocation;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.Bench;

/// <summary>
/// Seed 004 key churn: allocate + release pairs per second through <see cref="WireGuardKeyService"/> with the in-memory peer
/// sync, against a floor measured in the same run on the same database — one autocommit insert and one conditional update
/// per pair (the least storage work a pair can do). Afterwards: no key handed out twice, no slot held twice.
/// </summary>
public static class WireGuardKeysBench
{
    /// <summary>The command line of this bench.</summary>
    public const string Usage = "usage: ProxyKit.Bench wireguard-keys [--seconds N] [--callers N] [--capacity N] [--postgres CONNECTION_STRING]   (target >= 1,000 pairs/s on SQLite)";

    /// <summary>Runs the bench; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var seconds = int.Parse(BenchArgs.Option(args, "--seconds") ?? "5", CultureInfo.InvariantCulture);
        var callers = int.Parse(BenchArgs.Option(args, "--callers") ?? "16", CultureInfo.InvariantCulture);
        var capacity = int.Parse(BenchArgs.Option(args, "--capacity") ?? "250", CultureInfo.InvariantCulture);
        var postgres = BenchArgs.Option(args, "--postgres");
        var folder = Directory.CreateTempSubdirectory("proxykit-bench-wg-");
        try
        {
            var database = BenchDatabase.Create(folder, postgres);
            var services = new ServiceCollection().AddLogging();
            services.AddSingleton(database);
            services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));
            var peers = new InMemoryPeerSync();
            services.AddSingleton<IWireGuardPeerSync>(peers);
            services.AddProxyKitWireGuard(o =>
            {
                o.Servers.Add(new WireGuardServerOptions { PublicIp = "198.51.100.10", Interface = "wgbench0", Subnet = "10.8.0.0/22", Capacity = capacity });
                o.AddressQuarantine = TimeSpan.Zero;
            });
            await using var provider = services.BuildServiceProvider();
            await provider.GetRequiredService<MigrationRunner>().RunAsync();
            var keys = provider.GetRequiredService<WireGuardKeyService>();
            Console.WriteLine($"wireguard-keys: {BenchDatabase.Name(postgres)}, {callers} callers, capacity {capacity}, {seconds} s each, " +
                $"{Environment.ProcessorCount} cores shared by everything");

            // The floor: the same two writes a pair makes, without choosing a slot, minting a key or sealing anything.
            await database.ExecuteAsync("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, state TEXT NOT NULL)", CancellationToken.None);
            var next = 0L;
            var floor = await Measure.OpsPerSecondAsync(callers, TimeSpan.FromSeconds(seconds), async (_, _) =>
            {
                var id = Interlocked.Increment(ref next);
                await database.ExecuteAsync("INSERT INTO bench_floor (id, state) VALUES (@id, 'active')", CancellationToken.None, ("id", id));
                await database.ExecuteAsync("UPDATE bench_floor SET state = 'released' WHERE id = @id AND state = 'active'", CancellationToken.None, ("id", id));
            });
            Console.WriteLine($"  baseline: insert + conditional update  {floor,9:N0} pairs/s");

            var failures = 0;
            var measured = await Measure.OpsPerSecondAsync(callers, TimeSpan.FromSeconds(seconds), async (_, _) =>
            {
                if (!await PairAsync(keys, "bench"))
                {
                    Interlocked.Increment(ref failures);
                }
            });
            Console.WriteLine($"  allocate + release                     {measured,9:N0} pairs/s   {measured / floor:0.00}x baseline   (target >= 1,000/s)");

            // Invariants after the run: every key distinct, nothing left active, the interface agrees.
            var connection = await database.OpenConnectionAsync();
            await using (connection)
            {
                using var check = connection.CreateCommand(
                    "SELECT COUNT(*), COUNT(DISTINCT public_key), SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END) FROM wg_keys", null);
                using var reader = await check.ExecuteReaderAsync();
                await reader.ReadAsync();
                var (rows, distinct, active) = (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture),
                    Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
                var onInterface = (await peers.GetPeersAsync("wgbench0")).Count;
                Console.WriteLine($"  keys minted {rows:N0}, distinct {distinct:N0}, still active {active}, peers on the interface {onInterface}, failed pairs {failures}");
                return rows == distinct && active == 0 && onInterface == 0 && failures == 0 ? 0 : 1;
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<bool> PairAsync(WireGuardKeyService keys, string client)
    {
        var allocated = await keys.AllocateAsync(client);
        if (!allocated.Succeeded)
        {
            Console.Error.WriteLine($"  allocation failed: {allocated.Error}");
            return false;
        }

        var released = await keys.ReleaseAsync(allocated.Value!.PublicKey.ToBase64());
        if (!released.Succeeded)
        {
            Console.Error.WriteLine($"  release failed: {released.Error}");
        }

        return released.Succeeded;
    }
}
