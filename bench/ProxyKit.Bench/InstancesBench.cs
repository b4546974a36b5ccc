using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ProxyKit.Bench;

/// <summary>
/// Seed 000 instances through the sample server's HTTP API, the server running as its own process: instances created and
/// deleted per second, and the server's resident memory and file descriptors per idle instance. As root the Linux
/// assigner puts every address on a veth link this bench creates (and removes); otherwise addresses are not assigned
/// (assigner None), which measures everything but the <c>ip</c> call.
/// </summary>
internal static class InstancesBench
{
    public const string Usage = "usage: ProxyKit.Bench instances [--count N] [--concurrency N]   (needs: dotnet build -c Release samples/ProxyKit.Server)";

    public static async Task<int> RunAsync(string[] args)
    {
        var count = int.Parse(BenchArgs.Option(args, "--count") ?? "1000", CultureInfo.InvariantCulture);
        var concurrency = int.Parse(BenchArgs.Option(args, "--concurrency") ?? "4", CultureInfo.InvariantCulture);
        var serverDll = SampleServerProcess.Find();
        if (serverDll is null)
        {
            Console.Error.WriteLine("samples/ProxyKit.Server is not built in Release: run `dotnet build -c Release samples/ProxyKit.Server` first.");
            return 2;
        }

        var root = Environment.UserName == "root" && OperatingSystem.IsLinux();
        var id = RandomNumberGenerator.GetHexString(6, lowercase: true);
        var link = root ? $"pkbn{id}" : "lo";
        var prefix = $"2001:db8:be:{RandomNumberGenerator.GetInt32(1, 0xffff):x}::/64";
        if (root)
        {
            Ip("link", "add", link, "type", "veth", "peer", "name", $"pkbp{id}");
            Ip("link", "set", link, "up");
        }

        SampleServerProcess? process = null;
        try
        {
            process = await SampleServerProcess.StartAsync(serverDll, new Dictionary<string, string>
            {
                ["ProxyKit__Instances__Assigner"] = root ? "Linux" : "None",
                [$"ProxyKit__Instances__Prefixes__{link}"] = prefix,
            });
            var server = process.Process;
            var client = process.Client;
            Console.WriteLine($"instances: server pid {server.Id}, assigner {(root ? $"Linux (ip command) on veth {link}" : "None (not root: addresses not assigned)")}, prefix {prefix}, {count} instances, {concurrency} concurrent callers");

            // Warm up (JIT, pools, SQLite), then measure the idle baseline.
            await CreateManyAsync(client, 20, concurrency, link);
            await DeleteAllAsync(client);
            await Task.Delay(500);
            var (rssBefore, fdsBefore) = (ProcessResources.ResidentBytes(server.Id), Directory.GetFiles($"/proc/{server.Id}/fd").Length);

            var clock = Stopwatch.StartNew();
            var created = await CreateManyAsync(client, count, concurrency, link);
            var createSeconds = clock.Elapsed.TotalSeconds;
            await Task.Delay(1000);
            var (rssAfter, fdsAfter) = (ProcessResources.ResidentBytes(server.Id), Directory.GetFiles($"/proc/{server.Id}/fd").Length);

            clock.Restart();
            var deleted = await DeleteAllAsync(client);
            var deleteSeconds = clock.Elapsed.TotalSeconds;

            Console.WriteLine($"  created            {created,8:N0} in {createSeconds,6:0.00} s   {created / createSeconds,8:N0} instances/s   (target >= 100/s)");
            Console.WriteLine($"  deleted (bulk)     {deleted,8:N0} in {deleteSeconds,6:0.00} s   {deleted / deleteSeconds,8:N0} instances/s");
            Console.WriteLine($"  server RSS per idle instance      {(rssAfter - rssBefore) / 1024.0 / created,8:0.0} KiB   (target <= 64 KiB)");
            Console.WriteLine($"  server fds per idle instance      {(fdsAfter - fdsBefore) / (double)created,8:0.00}       (its listening socket is 1; target <= 4 beyond it)");
            return 0;
        }
        finally
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }

            if (root)
            {
                Ip("link", "del", link);
            }
        }
    }

    private static async Task<int> CreateManyAsync(HttpClient client, int count, int concurrency, string link)
    {
        var created = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, ct) =>
        {
            using var response = await client.PostAsJsonAsync("/api/create_proxy", new { type = "socks5", @interface = link }, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"create_proxy answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }

            Interlocked.Increment(ref created);
        });
        return created;
    }

    private static async Task<int> DeleteAllAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/api/proxy/bulk_delete", new { delete_all = true });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deleted_count").GetInt32();
    }

    private static void Ip(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
    }
}
