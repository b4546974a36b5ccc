using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ProxyKit.Bench;

/// <summary>
/// Seed 002 rotation through the sample server's HTTP API (the server as its own process): <c>POST /api/proxies/next</c>
/// followed by <c>POST /api/proxies/{id}/report</c> with the ticket, from 64 concurrent clients over 1,000 proxies, with the
/// in-process limiter (embedded SQLite) and with Redis. The baseline, measured against the same server in the same run, is
/// two <c>GET /judge</c> calls per round trip (a small JSON echo that touches neither database nor Redis): the HTTP floor
/// the rotation logic adds to.
/// </summary>
internal static class SessionsBench
{
    public const string Usage = "usage: ProxyKit.Bench sessions [--proxies N] [--clients N] [--seconds N] [--redis host:port]   (needs: dotnet build -c Release samples/ProxyKit.Server)";

    public static async Task<int> RunAsync(string[] args)
    {
        var proxies = int.Parse(BenchArgs.Option(args, "--proxies") ?? "1000", CultureInfo.InvariantCulture);
        var clients = int.Parse(BenchArgs.Option(args, "--clients") ?? "64", CultureInfo.InvariantCulture);
        var seconds = int.Parse(BenchArgs.Option(args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        var redis = BenchArgs.Option(args, "--redis") ?? Environment.GetEnvironmentVariable("PROXYKIT_TEST_REDIS");
        var serverDll = SampleServerProcess.Find();
        if (serverDll is null)
        {
            Console.Error.WriteLine("samples/ProxyKit.Server is not built in Release: run `dotnet build -c Release samples/ProxyKit.Server` first.");
            return 2;
        }

        Console.WriteLine($"sessions: {proxies:N0} proxies, {clients} concurrent clients, {seconds} s per figure, {Environment.ProcessorCount} cores shared by server and clients");
        var settings = new Dictionary<string, string>
        {
            // Limits that do not bind: the figure is the cost of enforcing them, not of being refused.
            ["ProxyKit__Pool__Sessions__HourlyRequestLimit"] = "100000000",
            ["ProxyKit__Pool__Sessions__MaxInFlight"] = "4",
        };
        await RunOneAsync("in-process limiter (SQLite)", serverDll, settings, proxies, clients, seconds);
        if (string.IsNullOrWhiteSpace(redis))
        {
            Console.WriteLine("redis: skipped (pass --redis host:port or set PROXYKIT_TEST_REDIS)");
        }
        else
        {
            settings["ProxyKit__Redis__Configuration"] = redis;
            settings["ProxyKit__Redis__KeyPrefix"] = $"bench:{Guid.NewGuid():N}:";
            await RunOneAsync($"Redis limiter ({redis}, SQLite)", serverDll, settings, proxies, clients, seconds);
        }

        return 0;
    }

    private static async Task RunOneAsync(string name, string serverDll, Dictionary<string, string> settings, int proxies, int clients, int seconds)
    {
        await using var server = await SampleServerProcess.StartAsync(serverDll, settings);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = server.Client.BaseAddress };

        await Parallel.ForEachAsync(Enumerable.Range(0, proxies), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var created = await http.PostAsJsonAsync("/api/proxies",
                new { ip = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", port = 8080, username = "u", password = "p", session = $"bench-session-{i}" }, ct);
            if (created.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Creating proxy {i} failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
            }
        });

        var duration = TimeSpan.FromSeconds(seconds);
        var baseline = await Measure.OpsPerSecondAsync(clients, duration, async (_, _) =>
        {
            using var first = await http.GetAsync("/judge");
            using var second = await http.GetAsync("/judge");
        });

        long refused = 0;
        var random = new ThreadLocal<Random>(() => new Random());
        var rotation = await Measure.OpsPerSecondAsync(clients, duration, async (_, _) =>
        {
            using var next = await http.PostAsync("/api/proxies/next", null);
            if (next.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref refused);
                return;
            }

            var ticket = await next.Content.ReadFromJsonAsync<JsonElement>();
            var id = ticket.GetProperty("proxy").GetProperty("id").GetInt64();
            var success = random.Value!.Next(20) != 0; // 5% failures: below every threshold, so nothing cools down
            using var report = await http.PostAsJsonAsync($"/api/proxies/{id}/report",
                new { success, latency_ms = random.Value.Next(20, 400), ticket = ticket.GetProperty("ticket").GetString() });
            report.EnsureSuccessStatusCode();
        });

        Console.WriteLine($"{name}:");
        Measure.Print("  baseline: 2 × GET /judge", baseline, baseline);
        Measure.Print("  next + report round trips", rotation, baseline);
        Console.WriteLine($"  target >= 5,000 round trips/s; refused nexts: {refused:N0}; server RSS {ProcessResources.ResidentBytes(server.Process.Id) / 1048576.0:N0} MiB");
    }
}
