using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.Bench;

/// <summary>
/// WireGuard peer sync against a real wireguard-go interface: 250 new peers applied by <see cref="UapiPeerSync"/> (one
/// <c>set=1</c> transaction) and by <see cref="WgCommandPeerSync"/> (batched <c>wg set</c> calls), each against one
/// <c>get=1</c> round trip on the same socket, median of 5 runs. Root only.
/// </summary>
public static class WireGuardSyncBench
{
    /// <summary>The command line of this bench.</summary>
    public const string Usage = "usage: ProxyKit.Bench wireguard-sync [--peers N] [--runs N]   (root; 250 peers via UAPI and wg vs one get=1; target <= 2 s)";

    private static readonly TimeSpan Target = TimeSpan.FromSeconds(2);

    /// <summary>Runs the bench; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var peerCount = int.Parse(BenchArgs.Option(args, "--peers") ?? "250", System.Globalization.CultureInfo.InvariantCulture);
        var runs = int.Parse(BenchArgs.Option(args, "--runs") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("wireguard-sync: needs root on Linux (it starts a wireguard-go interface); run it with sudo.");
            return 2;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var name = "pkwg" + RandomNumberGenerator.GetHexString(8, lowercase: true);
        Process? wireguardGo;
        try
        {
            wireguardGo = Process.Start(new ProcessStartInfo("wireguard-go") { ArgumentList = { "-f", name }, RedirectStandardOutput = true, RedirectStandardError = true });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine("wireguard-sync: needs wireguard-go (apt-get install --no-install-recommends wireguard-go) and wg (wireguard-tools).");
            return 2;
        }

        if (wireguardGo is null)
        {
            return 2;
        }

        var socketPath = Path.Combine(UapiPeerSync.DefaultSocketDirectory, name + ".sock");

        // Drained from the start so a chatty wireguard-go never blocks on a full pipe; shown only if it fails to start.
        var output = Task.WhenAll(wireguardGo.StandardOutput.ReadToEndAsync(CancellationToken.None), wireguardGo.StandardError.ReadToEndAsync(CancellationToken.None));
        try
        {
            if (!await WaitForSocketAsync(wireguardGo, socketPath, cts.Token))
            {
                wireguardGo.Kill(entireProcessTree: true);
                Console.Error.WriteLine($"wireguard-sync: wireguard-go did not open {socketPath} within 10 s (is /dev/net/tun there?): {string.Concat(await output)}");
                return 2;
            }

            var uapi = new UapiPeerSync();
            var wg = new WgCommandPeerSync();
            await uapi.ConfigureInterfaceAsync(name, new X25519KeyGenerator().Generate().PrivateKey, 0, cts.Token);

            Console.WriteLine($"wireguard-sync: wireguard-go interface {name}, {peerCount} new peers per apply, median of {runs} runs");
            var baseline = await MedianAsync(runs * 4, () => uapi.GetPeersAsync(name, cts.Token));
            Console.WriteLine($"{"baseline: one get=1 round trip (empty interface)",-52} {baseline.TotalMilliseconds,10:N2} ms");

            foreach (var (label, sync) in new (string, IWireGuardPeerSync)[] { ("UapiPeerSync.ApplyAsync (one set=1)", uapi), ($"WgCommandPeerSync.ApplyAsync ({WgCommandPeerSync.ClausesPerCall} peers per wg set)", wg) })
            {
                await SyncOnceAsync(sync, name, peerCount, cts.Token); // warm-up: JIT, first process start
                var times = new List<TimeSpan>();
                for (var run = 0; run < runs; run++)
                {
                    times.Add(await SyncOnceAsync(sync, name, peerCount, cts.Token));
                }

                var median = Median(times);
                Console.WriteLine($"{label,-52} {median.TotalMilliseconds,10:N2} ms   {median / baseline,8:N1}x baseline   {(median <= Target ? "within" : "OVER")} the {Target.TotalSeconds:0} s target");
            }

            return 0;
        }
        finally
        {
            wireguardGo.Kill(entireProcessTree: true);
            await wireguardGo.WaitForExitAsync(CancellationToken.None);
            wireguardGo.Dispose();
            using var ip = Process.Start(new ProcessStartInfo("ip") { ArgumentList = { "link", "del", name }, RedirectStandardError = true });
            if (ip is not null)
            {
                await ip.WaitForExitAsync(CancellationToken.None);
            }

            File.Delete(socketPath);
        }
    }

    /// <summary>Times one apply of fresh peers, checks they all arrived, then removes them (untimed).</summary>
    private static async Task<TimeSpan> SyncOnceAsync(IWireGuardPeerSync sync, string name, int count, CancellationToken cancellationToken)
    {
        var generator = new X25519KeyGenerator();
        var peers = Enumerable.Range(0, count)
            .Select(i => new WireGuardPeer(generator.Generate().PublicKey, IPNetwork.Parse($"10.{8 + (i / 62_500)}.{i / 250 % 250}.{(i % 250) + 2}/32")))
            .ToArray();
        var stopwatch = Stopwatch.StartNew();
        await sync.ApplyAsync(name, peers, [], cancellationToken);
        var elapsed = stopwatch.Elapsed;

        var present = (await sync.GetPeersAsync(name, cancellationToken)).Count;
        if (present != count)
        {
            throw new InvalidOperationException($"{count} peers applied but the interface has {present}.");
        }

        await sync.ApplyAsync(name, [], peers.Select(p => p.PublicKey).ToArray(), cancellationToken);
        return elapsed;
    }

    private static async Task<TimeSpan> MedianAsync(int samples, Func<Task> operation)
    {
        await operation();
        var times = new List<TimeSpan>();
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await operation();
            times.Add(stopwatch.Elapsed);
        }

        return Median(times);
    }

    private static TimeSpan Median(List<TimeSpan> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }

    private static async Task<bool> WaitForSocketAsync(Process process, string socketPath, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!File.Exists(socketPath))
        {
            if (process.HasExited || stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }

            await Task.Delay(20, cancellationToken);
        }

        return true;
    }
}
