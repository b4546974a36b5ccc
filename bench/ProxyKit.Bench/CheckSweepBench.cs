using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Bench;

/// <summary>
/// A check sweep over local fake proxies: refused (closed ports: an immediate reset), blackholes (the kernel completes
/// the TCP handshake but nothing ever answers the SOCKS5 greeting, so each check runs into its timeout) and good ones
/// (a SOCKS5 greeting answered). The floor is what the blackholes alone must cost: blackholes ÷ concurrency × timeout.
/// Prints total time against the floor, checks/s, peak RSS and peak open file descriptors of this process.
/// </summary>
internal static class CheckSweepBench
{
    public const string Usage = "usage: ProxyKit.Bench sweep [--refused N] [--blackholes N] [--good N] [--concurrency N] [--timeout-ms N]";

    public static async Task<int> RunAsync(string[] args)
    {
        var refused = Int(args, "--refused", 5_000);
        var blackholes = Int(args, "--blackholes", 5_000);
        var good = Int(args, "--good", 1_000);
        var concurrency = Int(args, "--concurrency", 1_000);
        var timeout = TimeSpan.FromMilliseconds(Int(args, "--timeout-ms", 2_000));
        ProcessResources.TryRaiseOpenFileLimit(concurrency * 3L + good + 1_000);

        // Good proxies: one listening socket each, answering the SOCKS5 greeting with "no authentication".
        using var stop = new CancellationTokenSource();
        var goodListeners = Enumerable.Range(0, good).Select(_ => Listen(backlog: 512)).ToList();
        var answering = goodListeners.Select(l => AnswerAsync(l, stop.Token)).ToList();

        // Blackholes: listening sockets never accepted from; a large backlog so the kernel completes every handshake.
        var holes = Enumerable.Range(0, 5).Select(_ => Listen(backlog: 4_096)).ToList();

        // Refused: ports nothing listens on.
        var closed = Enumerable.Range(0, 50).Select(_ => ClosedPort()).ToList();

        var targets = new List<(ProxyCheckTarget Target, string Kind)>(refused + blackholes + good);
        targets.AddRange(Enumerable.Range(0, refused).Select(i => (Socks5(closed[i % closed.Count]), "refused")));
        targets.AddRange(Enumerable.Range(0, blackholes).Select(i => (Socks5(((IPEndPoint)holes[i % holes.Count].LocalEndPoint!).Port), "blackhole")));
        targets.AddRange(goodListeners.Select(l => (Socks5(((IPEndPoint)l.LocalEndPoint!).Port), "good")));
        Shuffle(targets);

        await using var services = new ServiceCollection()
            .AddLogging()
            .AddProxyKitPool(o =>
            {
                o.Checking.CheckTimeout = timeout;
                o.Checking.MaxConcurrentChecks = concurrency;
            }).Services.BuildServiceProvider();
        var runner = services.GetRequiredService<ProxyCheckRunner>();
        var floor = TimeSpan.FromTicks(timeout.Ticks * (long)Math.Ceiling(blackholes / (double)concurrency));
        Console.WriteLine($"sweep: {refused:N0} refused + {blackholes:N0} blackhole + {good:N0} good SOCKS5 proxies on loopback, concurrency {concurrency:N0}, " +
                          $"timeout {timeout.TotalMilliseconds:N0} ms, {Environment.ProcessorCount} cores");

        GC.Collect();
        var rssBefore = ProcessResources.ResidentBytes();
        long peakRss = rssBefore, peakFds = 0;
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, ProcessResources.ResidentBytes());
                peakFds = Math.Max(peakFds, Directory.GetFiles("/proc/self/fd").Length);
                await Task.Delay(50);
            }
        });

        var watch = Stopwatch.StartNew();
        var reports = await Task.WhenAll(targets.Select(t => runner.CheckAsync(t.Target, CancellationToken.None)));
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await sampling;

        var wrong = targets.Zip(reports).Count(p => p.First.Kind == "good" != p.Second.Passed);
        Console.WriteLine($"floor: blackholes / concurrency x timeout      {floor.TotalSeconds,8:0.00} s");
        Console.WriteLine($"sweep                                         {elapsed.TotalSeconds,8:0.00} s   {elapsed / floor,5:0.00}x floor   " +
                          $"{targets.Count / elapsed.TotalSeconds,8:N0} checks/s");
        Console.WriteLine($"classified: {reports.Count(r => r.Passed):N0} passed, {reports.Count(r => !r.Passed):N0} failed, {wrong} wrong");
        Console.WriteLine($"peak RSS {peakRss / 1024.0 / 1024.0:0} MB (started at {rssBefore / 1024.0 / 1024.0:0} MB, fakes included), peak open fds {peakFds:N0}");
        Console.WriteLine($"target: within 1.3x of the floor: {(elapsed <= floor * 1.3 ? "met" : "NOT met")}; memory <= 300 MB: {(peakRss <= 300L * 1024 * 1024 ? "met" : "NOT met")}");

        foreach (var listener in goodListeners.Concat(holes))
        {
            listener.Dispose();
        }

        await Task.WhenAll(answering);
        return wrong == 0 ? 0 : 1;
    }

    private static ProxyCheckTarget Socks5(int port) => new(new IPEndPoint(IPAddress.Loopback, port), "socks5", null, null, null);

    private static Socket Listen(int backlog)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(backlog);
        return socket;
    }

    private static int ClosedPort()
    {
        using var socket = Listen(1);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static async Task AnswerAsync(Socket listener, CancellationToken stop)
    {
        var buffer = new byte[16];
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    // VER, NMETHODS, METHODS...: answer "version 5, no authentication", then wait for the client to go.
                    var read = await client.ReceiveAsync(buffer, SocketFlags.None, stop);
                    if (read >= 2)
                    {
                        await client.SendAsync(new byte[] { 0x05, 0x00 }, SocketFlags.None, stop);
                        await client.ReceiveAsync(buffer, SocketFlags.None, stop);
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                {
                }
            }
        }
    }

    private static void Shuffle<T>(List<T> items)
    {
        var random = new Random(3);
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static int Int(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
