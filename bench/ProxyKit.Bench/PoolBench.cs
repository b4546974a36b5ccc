using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ProxyKit.Pool;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Postgres;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Bench;

/// <summary>
/// The pool's storage on PostgreSQL, each figure next to a naive baseline measured in the same run:
/// <list type="bullet">
/// <item><b>ingest</b>: 100,000 new proxies stored by <c>ProxyStore.IngestAsync</c> (binary COPY into a staging table, then
/// set-based merge) against row-by-row <c>INSERT ... ON CONFLICT DO NOTHING</c> in one transaction;</item>
/// <item><b>query</b>: <c>ProxyPoolService.QueryAsync</c> (what <c>GET /proxies</c> runs) at 100,000 stored proxies with a mix
/// of filters and sorts, first pages (with <c>total_count</c>) and cursor pages, p50/p99; against the same deep pages
/// read with <c>OFFSET</c>.</item>
/// </list>
/// Runs in a fresh schema it drops at the end.
/// </summary>
internal static class PoolBench
{
    public const string Usage = "usage: ProxyKit.Bench pool [--postgres CONNECTION_STRING] [--proxies N] [--queries N] [--keep]   (or set PROXYKIT_TEST_POSTGRES)";

    private static readonly ProxyQuery[] Mix =
    [
        new(),
        new() { Status = "active" },
        new() { Status = "active", Protocol = "http", MinScore = 0.5 },
        new() { Country = "US", Sort = ProxySortField.Latency },
        new() { Anonymity = "elite", MinUptimePct = 80, Sort = ProxySortField.Uptime },
        new() { VerifiedWithinMinutes = 60, Sort = ProxySortField.LastChecked },
        new() { MaxLatencyMs = 500, Protocol = "socks5" },
        new() { Status = "active", Country = "DE", Anonymity = "anonymous", MinScore = 0.3, MaxLatencyMs = 800 },
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var connectionString = BenchArgs.Option(args, "--postgres") ?? Environment.GetEnvironmentVariable("PROXYKIT_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var count = int.Parse(BenchArgs.Option(args, "--proxies") ?? "100000", CultureInfo.InvariantCulture);
        var queries = int.Parse(BenchArgs.Option(args, "--queries") ?? "2000", CultureInfo.InvariantCulture);
        var schema = "bench_pool_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(connectionString, $"CREATE SCHEMA {schema}");
        try
        {
            var database = PostgresStorage.CreateDatabase(connectionString + $";Search Path={schema}");
            await new MigrationRunner(database, [MigrationModule.FromAssembly("pool", typeof(PoolOptions).Assembly)], TimeProvider.System).RunAsync();
            using var protector = new SecretProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var store = new ProxyStore(database, protector);
            Console.WriteLine($"pool: PostgreSQL, {Environment.ProcessorCount} cores, {count:N0} proxies");

            await IngestAsync(database, store, count);
            await QueryAsync(database, store, protector, count, queries);
            await QueryOverHttpAsync(connectionString + $";Search Path={schema}", queries);
            return 0;
        }
        finally
        {
            if (args.Contains("--keep"))
            {
                Console.WriteLine($"kept schema {schema}");
            }
            else
            {
                await ExecuteAsync(connectionString, $"DROP SCHEMA {schema} CASCADE");
            }
        }
    }

    private static async Task IngestAsync(ProxyKitDatabase database, ProxyStore store, int count)
    {
        // Baseline: the obvious loop, one prepared INSERT per proxy in one transaction, on a slice (it is slow).
        var baselineCount = Math.Min(count, 20_000);
        var baselineProxies = Generate(baselineCount, seed: 2);
        var watch = Stopwatch.StartNew();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            using var insert = connection.CreateCommand(
                "INSERT INTO pool_proxies (id, protocol, ip, port, username, password_protected, credentials_key, status, score, avg_latency_ms, uptime_pct, " +
                "last_checked_at, first_seen_at, sort_changed_at, tags) VALUES (@id, @protocol, @ip, @port, NULL, NULL, '', 'unchecked', 0, 1e15, -1, @epoch, @now, @now, '{}') " +
                "ON CONFLICT (protocol, ip, port, credentials_key) DO NOTHING", transaction)
                .With("id", "").With("protocol", "").With("ip", "").With("port", 0).With("epoch", DateTimeOffset.UnixEpoch).With("now", DateTimeOffset.UtcNow);
            await insert.PrepareAsync();
            foreach (var proxy in baselineProxies)
            {
                insert.Parameters[0].Value = Guid.CreateVersion7().ToString("D");
                insert.Parameters[1].Value = proxy.Protocol!;
                insert.Parameters[2].Value = proxy.Ip;
                insert.Parameters[3].Value = proxy.Port;
                await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        var baselineRate = baselineCount / watch.Elapsed.TotalSeconds;
        var proxies = Generate(count, seed: 1);
        await ExecuteAsync(database, "INSERT INTO pool_sources (id, url, parser_name, cron_schedule, is_active, created_at, updated_at) " +
            "VALUES ('bench', 'http://127.0.0.1/', 'plaintext', '*/30 * * * *', false, now(), now())");
        watch.Restart();
        var created = await store.IngestAsync("bench", proxies, "http", DateTimeOffset.UtcNow, CancellationToken.None);
        var newTime = watch.Elapsed;
        watch.Restart();
        var again = await store.IngestAsync("bench", proxies, "http", DateTimeOffset.UtcNow, CancellationToken.None);
        var knownTime = watch.Elapsed;

        Console.WriteLine($"baseline: row-by-row INSERT (1 tx)          {baselineRate,12:N0} proxies/s   ({baselineCount:N0} proxies)");
        Console.WriteLine($"IngestAsync, {count:N0} new                   {count / newTime.TotalSeconds,12:N0} proxies/s   {count / newTime.TotalSeconds / baselineRate,6:0.00}x baseline   {newTime.TotalSeconds:0.00} s ({created:N0} new)");
        Console.WriteLine($"IngestAsync, {count:N0} already known         {count / knownTime.TotalSeconds,12:N0} proxies/s   {count / knownTime.TotalSeconds / baselineRate,6:0.00}x baseline   {knownTime.TotalSeconds:0.00} s ({again:N0} new)");
        Console.WriteLine($"target: {count:N0} new proxies in <= 5 s: {(newTime.TotalSeconds <= 5 ? "met" : "NOT met")}");
    }

    private static async Task QueryAsync(ProxyKitDatabase database, ProxyStore store, SecretProtector protector, int count, int queries)
    {
        // Give every proxy a checked state, as a running pool has: statuses, anonymity, countries, scores, latencies.
        await ExecuteAsync(database,
            "UPDATE pool_proxies SET " +
            "status = (ARRAY['active','active','dead','unchecked'])[1 + abs(hashtext(id)) % 4], " +
            "anonymity = (ARRAY['transparent','anonymous','elite'])[1 + abs(hashtext(id || 'a')) % 3], " +
            "country = (ARRAY['US','DE','FR','NL','BR','IN','JP','GB'])[1 + abs(hashtext(id || 'c')) % 8], " +
            "score = (abs(hashtext(id || 's')) % 10000) / 10000.0, " +
            "avg_latency_ms = 50 + abs(hashtext(id || 'l')) % 2000, " +
            "uptime_pct = (abs(hashtext(id || 'u')) % 1000) / 10.0, " +
            "last_checked_at = now() - make_interval(mins => abs(hashtext(id || 't')) % 240)");
        await ExecuteAsync(database, "VACUUM ANALYZE pool_proxies");

        var service = new ProxyPoolService(store, protector, TimeProvider.System, Options.Create(new PoolOptions()));
        var first = new List<double>(queries);
        var next = new List<double>(queries);
        var offset = new List<double>(queries);
        var byQuery = Mix.Select(_ => new List<double>()).ToArray();
        var random = new Random(7);
        for (var i = 0; i < queries + 50; i++)
        {
            var which = random.Next(Mix.Length);
            var query = Mix[which] with { Limit = 50 };
            var watch = Stopwatch.StartNew();
            var page = (await service.QueryAsync(query)).Value!;
            var firstMs = watch.Elapsed.TotalMilliseconds;
            double? nextMs = null;
            if (page.NextCursor is not null)
            {
                watch.Restart();
                _ = (await service.QueryAsync(query with { Cursor = page.NextCursor })).Value!;
                nextMs = watch.Elapsed.TotalMilliseconds;
            }

            // The naive alternative for the same position: OFFSET 50 (a cheap case of it; deep pages are worse).
            watch.Restart();
            await ExecuteAsync(database, $"SELECT * FROM pool_proxies ORDER BY score DESC, id DESC OFFSET {50 * (1 + (i % 40))} LIMIT 50");
            var offsetMs = watch.Elapsed.TotalMilliseconds;
            if (i >= 50) // warm-up
            {
                first.Add(firstMs);
                byQuery[which].Add(firstMs);
                offset.Add(offsetMs);
                if (nextMs is { } ms)
                {
                    next.Add(ms);
                }
            }
        }

        Console.WriteLine($"queries: {queries:N0} of {Mix.Length} filter/sort combinations, limit 50, {count:N0} proxies");
        Print("baseline: OFFSET page (pages 1-40, no filter)", offset, offset);
        Print("first page with total_count", first, offset);
        Print("next page by cursor (snapshot read)", next, offset);
        for (var q = 0; q < Mix.Length; q++)
        {
            Console.WriteLine($"  first page, query {q}: p50 {Percentile(byQuery[q], 0.5),7:0.00} ms   p99 {Percentile(byQuery[q], 0.99),7:0.00} ms   {Describe(Mix[q])}");
        }

        var p99 = Math.Max(Percentile(first, 0.99), Percentile(next, 0.99));
        Console.WriteLine($"target: p99 <= 25 ms: {(p99 <= 25 ? "met" : "NOT met")} (worst p99 {p99:0.0} ms)");
    }

    // The same mix through GET /proxies on the sample server (its own process) against the same database.
    private static async Task QueryOverHttpAsync(string connectionString, int queries)
    {
        if (SampleServerProcess.Find() is not { } serverDll)
        {
            Console.WriteLine("GET /proxies: skipped (build samples/ProxyKit.Server in Release to measure over HTTP)");
            return;
        }

        await using var server = await SampleServerProcess.StartAsync(serverDll, new Dictionary<string, string>
        {
            ["ProxyKit__Postgres__ConnectionString"] = connectionString,
            ["ProxyKit__Server__RunWorkers"] = "false",
        });
        using var registered = await server.Client.PostAsJsonAsync("/auth/register", new { email = "bench@example.com", display_name = "Bench" });
        var key = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetProperty("key").GetString();
        server.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        var first = new List<double>(queries);
        var next = new List<double>(queries);
        var random = new Random(7);
        for (var i = 0; i < queries + 50; i++)
        {
            var path = "/proxies?limit=50&" + QueryString(Mix[random.Next(Mix.Length)]);
            var watch = Stopwatch.StartNew();
            var page = await GetAsync(server.Client, path);
            var firstMs = watch.Elapsed.TotalMilliseconds;
            var cursor = page.GetProperty("next_cursor").GetString();
            watch.Restart();
            if (cursor is not null)
            {
                await GetAsync(server.Client, path + "&cursor=" + Uri.EscapeDataString(cursor));
            }

            if (i >= 50 && cursor is not null)
            {
                first.Add(firstMs);
                next.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        Print("GET /proxies, first page (HTTP, JSON)", first, first);
        Print("GET /proxies, next page (HTTP, JSON)", next, first);
        var p99 = Math.Max(Percentile(first, 0.99), Percentile(next, 0.99));
        Console.WriteLine($"target: GET /proxies p99 <= 25 ms: {(p99 <= 25 ? "met" : "NOT met")} (worst p99 {p99:0.0} ms)");

        static async Task<JsonElement> GetAsync(HttpClient client, string path)
        {
            using var response = await client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
    }

    private static string QueryString(ProxyQuery q) =>
        string.Join('&', new[]
        {
            q.Status is null ? null : $"status={q.Status}", q.Protocol is null ? null : $"protocol={q.Protocol}",
            q.Anonymity is null ? null : $"anonymity={q.Anonymity}", q.Country is null ? null : $"country={q.Country}",
            q.MinScore is { } minScore ? string.Create(CultureInfo.InvariantCulture, $"min_score={minScore}") : null,
            q.MaxLatencyMs is { } maxLatency ? string.Create(CultureInfo.InvariantCulture, $"max_latency_ms={maxLatency}") : null,
            q.MinUptimePct is { } minUptime ? string.Create(CultureInfo.InvariantCulture, $"min_uptime_pct={minUptime}") : null,
            q.VerifiedWithinMinutes is null ? null : $"verified_within_minutes={q.VerifiedWithinMinutes}",
            "sort=" + q.Sort switch { ProxySortField.Latency => "latency", ProxySortField.Uptime => "uptime", ProxySortField.LastChecked => "last_checked", _ => "score" },
        }.Where(p => p is not null));

    private static string Describe(ProxyQuery q) =>
        string.Join(' ', new[]
        {
            q.Status is null ? null : $"status={q.Status}", q.Protocol is null ? null : $"protocol={q.Protocol}",
            q.Anonymity is null ? null : $"anonymity={q.Anonymity}", q.Country is null ? null : $"country={q.Country}",
            q.MinScore is null ? null : $"min_score={q.MinScore}", q.MaxLatencyMs is null ? null : $"max_latency_ms={q.MaxLatencyMs}",
            q.MinUptimePct is null ? null : $"min_uptime_pct={q.MinUptimePct}",
            q.VerifiedWithinMinutes is null ? null : $"verified_within_minutes={q.VerifiedWithinMinutes}", $"sort={q.Sort}",
        }.Where(p => p is not null));

    private static void Print(string name, List<double> samples, List<double> baseline) =>
        Console.WriteLine($"{name,-46} p50 {Percentile(samples, 0.5),7:0.00} ms   p99 {Percentile(samples, 0.99),7:0.00} ms   " +
                          $"({Percentile(samples, 0.5) / Percentile(baseline, 0.5):0.00}x baseline p50)");

    private static double Percentile(List<double> samples, double quantile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];
    }

    private static List<ParsedProxy> Generate(int count, int seed)
    {
        string[] protocols = ["http", "http", "https", "socks4", "socks5"];
        var proxies = new List<ParsedProxy>(count);
        for (var i = 0; i < count; i++)
        {
            var n = (seed * 16_777_216) + i;
            proxies.Add(new ParsedProxy($"{(n >> 24) & 255}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}", 1024 + (i % 60000), protocols[i % protocols.Length], null, null));
        }

        return proxies;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(ProxyKitDatabase database, string sql)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand(sql, null);
            command.CommandTimeout = 300;
            await command.ExecuteNonQueryAsync();
        }
    }
}
