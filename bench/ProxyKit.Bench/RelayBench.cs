using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Bench;

/// <summary>
/// The relay's bulk throughput, connection churn and memory per idle tunnel, through SOCKS5 CONNECT and HTTP CONNECT,
/// each next to the same load sent directly (no proxy) in the same run. By default it starts ProxyKit relay listeners
/// in this process; <c>--target</c> drives another proxy (a peer) the same way instead. Everything stays on loopback.
/// </summary>
internal static class RelayBench
{
    public const string Usage =
        "usage: ProxyKit.Bench relay [--seconds N] [--connections N] [--target 127.0.0.1:PORT [--protocol socks5|http]]\n" +
        "  --seconds N      length of each throughput and churn figure (default 3)\n" +
        "  --connections N  idle tunnels for the memory figure (default 5000)\n" +
        "  --target EP      measure the proxy (peer) listening there instead of starting ProxyKit's relay; loopback only\n" +
        "  --protocol P     the handshake the peer speaks: socks5 (default) or http (CONNECT)";

    private const int ChurnClients = 32;
    private const int MaxChurnPerClient = 200_000;
    private const int OpenParallelism = 64;
    private const int MaxConnections = 50_000;
    private const int FdHeadroom = 200; // listeners, epoll, the runtime's own
    private static readonly TimeSpan Warmup = TimeSpan.FromMilliseconds(500);
    private static readonly byte[] Payload = RandomPayload(64 * 1024);
    private static readonly byte[] OneByte = [42];

    public static async Task<int> RunAsync(string[] args)
    {
        var settings = Parse(args, out var problem);
        if (settings is null)
        {
            await Console.Error.WriteLineAsync($"relay: {problem}");
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        using var servers = new LoopbackServers();
        var subjects = new List<Subject>();
        try
        {
            if (settings.Target is { } target)
            {
                var protocol = settings.Protocol == ProxyProtocol.Socks5 ? "socks5" : "http connect";
                var peer = ProcessResources.ListeningProcessTree(target.Port);
                var name = peer.Count > 0 ? SafeName(peer[0]) : target.ToString();
                subjects.Add(new Subject(ProxyDialer.Through($"{protocol} (peer {name})", target, settings.Protocol), null));
            }
            else
            {
                subjects.Add(StartRelay(RelayProtocol.Socks5, ProxyProtocol.Socks5, "socks5 (ProxyKit)", settings.Connections));
                subjects.Add(StartRelay(RelayProtocol.Http, ProxyProtocol.HttpConnect, "http connect (ProxyKit)", settings.Connections));
            }

            PrintHeader(settings, subjects, servers);
            foreach (var dialer in subjects.Select(s => s.Dialer).Prepend(ProxyDialer.Direct))
            {
                try
                {
                    using var check = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await EchoOnceAsync(dialer, servers.EchoEndPoint, check.Token);
                }
                catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
                {
                    await Console.Error.WriteLineAsync($"relay: {dialer.Name} cannot reach the echo server on {servers.EchoEndPoint}: {ex.Message}");
                    return 1;
                }
            }

            await ThroughputAsync(settings, servers, subjects);
            await ChurnAsync(settings, servers, subjects);
            await MemoryAsync(settings, servers, subjects);
            Console.WriteLine();
            PrintRelayStats(subjects);
            return 0;
        }
        finally
        {
            foreach (var listener in subjects.Select(s => s.Listener).OfType<RelayListener>())
            {
                await listener.DisposeAsync();
            }
        }
    }

    private static async Task ThroughputAsync(Settings settings, LoopbackServers servers, List<Subject> subjects)
    {
        Console.WriteLine();
        Console.WriteLine($"bulk throughput: the client writes 64 KiB chunks as fast as it can to a sink that discards them; " +
            $"{Warmup.TotalSeconds:0.0} s warm-up, then bytes the sink received in {settings.Duration.TotalSeconds:0} s");
        Console.WriteLine($"  {"",-34} {"Gbit/s",10} {"vs direct",10}");
        foreach (var tunnels in new[] { 1, 8 })
        {
            Console.WriteLine($"  {tunnels} {(tunnels == 1 ? "tunnel" : "parallel tunnels")}");
            var direct = await MeasureThroughputAsync(ProxyDialer.Direct, servers, tunnels, settings.Duration);
            PrintThroughput(ProxyDialer.Direct.Name, direct, direct);
            foreach (var subject in subjects)
            {
                PrintThroughput(subject.Dialer.Name, await MeasureThroughputAsync(subject.Dialer, servers, tunnels, settings.Duration), direct);
            }
        }
    }

    private static void PrintThroughput(string name, (double Gbps, int Broken) result, (double Gbps, int Broken) direct)
    {
        var note = result.Broken > 0 ? $"  ({result.Broken} tunnel(s) broke during the run)" : string.Empty;
        Console.WriteLine($"    {name,-32} {result.Gbps,10:0.00} {result.Gbps / direct.Gbps,9:0.00}x{note}");
    }

    private static async Task<(double Gbps, int Broken)> MeasureThroughputAsync(ProxyDialer dialer, LoopbackServers servers, int tunnels, TimeSpan duration)
    {
        using var bound = new CancellationTokenSource(Warmup + duration + TimeSpan.FromSeconds(30));
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < tunnels; i++)
            {
                sockets.Add(await dialer.ConnectAsync(servers.SinkEndPoint, bound.Token));
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
            var senders = sockets.Select(socket => SendUntilStoppedAsync(socket, stop.Token)).ToArray();
            await Task.Delay(Warmup, bound.Token);
            var before = servers.SinkBytes;
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration, bound.Token);
            var bytes = servers.SinkBytes - before;
            var seconds = clock.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            var stoppedCleanly = await Task.WhenAll(senders);
            return (bytes * 8 / seconds / 1e9, stoppedCleanly.Count(clean => !clean));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    // True when it ran until stopped; false when the tunnel broke first.
    private static async Task<bool> SendUntilStoppedAsync(Socket socket, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await socket.SendAsync(Payload, SocketFlags.None, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return true;
        }
        catch (SocketException)
        {
            return stop.IsCancellationRequested;
        }
    }

    private static async Task ChurnAsync(Settings settings, LoopbackServers servers, List<Subject> subjects)
    {
        Console.WriteLine();
        Console.WriteLine($"connection churn: {ChurnClients} concurrent clients, each looping TCP connect + proxy handshake + 1-byte echo + close " +
            $"for {settings.Duration.TotalSeconds:0} s; latency is one whole loop");
        Console.WriteLine($"  {"",-34} {"conn/s",10} {"vs direct",10} {"p50 ms",9} {"vs direct",10} {"p99 ms",9} {"vs direct",10} {"errors",7}");
        var direct = await MeasureChurnAsync(ProxyDialer.Direct, servers.EchoEndPoint, settings.Duration);
        PrintChurn(ProxyDialer.Direct.Name, direct, direct);
        foreach (var subject in subjects)
        {
            PrintChurn(subject.Dialer.Name, await MeasureChurnAsync(subject.Dialer, servers.EchoEndPoint, settings.Duration), direct);
        }
    }

    private static void PrintChurn(string name, ChurnResult result, ChurnResult direct)
    {
        Console.WriteLine(
            $"    {name,-32} {result.PerSecond,10:N0} {result.PerSecond / direct.PerSecond,9:0.00}x {result.P50Ms,9:0.000} {result.P50Ms / direct.P50Ms,9:0.00}x " +
            $"{result.P99Ms,9:0.000} {result.P99Ms / direct.P99Ms,9:0.00}x {result.Errors,7:N0}");
        if (result.FirstError is not null)
        {
            Console.WriteLine($"      first error: {result.FirstError}");
        }
    }

    private static async Task<ChurnResult> MeasureChurnAsync(ProxyDialer dialer, IPEndPoint echo, TimeSpan duration)
    {
        using var bound = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        for (var i = 0; i < 200; i++)
        {
            await EchoOnceAsync(dialer, echo, bound.Token);
        }

        var latencies = new List<long>[ChurnClients];
        long errors = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, ChurnClients).Select(async client =>
        {
            var mine = latencies[client] = new List<long>(4096);
            while (clock.Elapsed < duration && mine.Count < MaxChurnPerClient)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await EchoOnceAsync(dialer, echo, bound.Token);
                    mine.Add(Stopwatch.GetTimestamp() - start);
                }
                catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{ex.GetType().Name}: {ex.Message}", null);
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        return new ChurnResult(sorted.Length / seconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99), errors, firstError);
    }

    private static double Percentile(long[] sortedTimestamps, double quantile) =>
        sortedTimestamps.Length == 0 ? double.NaN : sortedTimestamps[(int)(quantile * (sortedTimestamps.Length - 1))] * 1000.0 / Stopwatch.Frequency;

    private static async Task EchoOnceAsync(ProxyDialer dialer, IPEndPoint echo, CancellationToken cancellationToken)
    {
        using var socket = await dialer.ConnectAsync(echo, cancellationToken);
        await socket.SendAsync(OneByte, SocketFlags.None, cancellationToken);
        await ProxyDialer.ReceiveExactlyAsync(socket, new byte[1], cancellationToken);
    }

    private static async Task MemoryAsync(Settings settings, LoopbackServers servers, List<Subject> subjects)
    {
        Console.WriteLine();

        // Held at once while a row is open: direct = client + echo-server socket; in-process tunnel = client, the relay's
        // two, echo server's; a peer's tunnel = client + echo-server socket here (the peer's sockets are in its process).
        var fdsPerConnection = subjects.Any(s => s.Listener is not null) ? 4 : 2;
        var count = settings.Connections;
        var needed = ((long)count * fdsPerConnection) + FdHeadroom;
        var limit = ProcessResources.OpenFileLimit();
        if (!ProcessResources.TryRaiseOpenFileLimit(needed))
        {
            count = (int)Math.Max(1, (limit - FdHeadroom) / fdsPerConnection);
            Console.WriteLine($"NOTE: the open-file limit (RLIMIT_NOFILE, /proc/self/limits) is {limit:N0} and could not be raised to the {needed:N0} that " +
                $"{settings.Connections:N0} connections x {fdsPerConnection} fds need (raising the hard limit takes CAP_SYS_RESOURCE, or `ulimit -Hn` before " +
                $"starting): measuring {count:N0} connections per row instead.");
        }
        else if (ProcessResources.OpenFileLimit() > limit)
        {
            Console.WriteLine($"open-file limit (RLIMIT_NOFILE) raised from {limit:N0} to {ProcessResources.OpenFileLimit():N0} for {count:N0} connections x {fdsPerConnection} fds");
        }

        Console.WriteLine($"memory per idle tunnel: {count:N0} connections per row, each opened (plus a 1-byte echo) and left idle, then measured, then closed");
        Console.WriteLine("  before the next row. RSS = VmRSS of /proc/PID/status after a full aggressive GC (which returns freed GC memory to the OS);");
        Console.WriteLine("  managed = GC heap. The clients and the echo server live in this process too, so a proxied row also holds each tunnel's");
        Console.WriteLine("  client socket and echo-server socket: the direct row (the same connections without a proxy) measures exactly that, and");
        Console.WriteLine("  'proxy only' subtracts it. A peer (--target) runs in its own process: its RSS is read from /proc/PID/status directly (as is;");
        Console.WriteLine("  no GC can be forced there).");
        Console.WriteLine($"  {"",-34} {"opened",8} {"RSS KiB",9} {"vs direct",10} {"managed KiB",12} {"proxy only: RSS KiB",20} {"managed KiB",12}");

        var direct = await MeasureIdleAsync(ProxyDialer.Direct, count, servers);
        Console.WriteLine($"    {ProxyDialer.Direct.Name,-32} {direct.Opened,8:N0} {direct.RssKiB,9:0.00} {1,9:0.00}x {direct.ManagedKiB,12:0.00} {"-",20} {"-",12}");
        foreach (var subject in subjects)
        {
            var cost = await MeasureIdleAsync(subject.Dialer, count, servers, peer: subject.Listener is null);
            var (proxyRss, proxyManaged) = subject.Listener is null
                ? ("(in the peer)", "-")
                : ($"{cost.RssKiB - direct.RssKiB:0.00}", $"{cost.ManagedKiB - direct.ManagedKiB:0.00}");
            Console.WriteLine(
                $"    {subject.Dialer.Name,-32} {cost.Opened,8:N0} {cost.RssKiB,9:0.00} {cost.RssKiB / direct.RssKiB,9:0.00}x {cost.ManagedKiB,12:0.00} " +
                $"{proxyRss,20} {proxyManaged,12}");
            if (subject.Listener is null)
            {
                PrintPeerMemory(subject.Dialer.Proxy!, cost);
            }
        }
    }

    // Opens 'count' idle connections through the dialer, reads this process's (and a peer's) growth per connection, and closes them.
    private static async Task<IdleCost> MeasureIdleAsync(ProxyDialer dialer, int count, LoopbackServers servers, bool peer = false)
    {
        var peerProcesses = peer ? ProcessResources.ListeningProcessTree(dialer.Proxy!.Port) : [];
        var peerBefore = ProcessResources.ResidentBytes(peerProcesses);
        var before = await SettleAsync(servers, 0);
        var open = await OpenIdleAsync(dialer, count, servers.EchoEndPoint);
        try
        {
            var after = await SettleAsync(servers, open.Count);
            var opened = (double)Math.Max(1, open.Count);
            double? peerKiB = null;
            if (peerProcesses.Count > 0)
            {
                // Forking servers serve tunnels from new children: count the tree as it is now.
                peerProcesses = [.. ProcessResources.ListeningProcessTree(dialer.Proxy!.Port).Union(peerProcesses)];
                peerKiB = (ProcessResources.ResidentBytes(peerProcesses) - peerBefore) / opened / 1024;
            }

            return new IdleCost(open.Count, (after.Rss - before.Rss) / opened / 1024, (after.Managed - before.Managed) / opened / 1024, peerProcesses, peerKiB);
        }
        finally
        {
            foreach (var socket in open)
            {
                socket.Dispose();
            }
        }
    }

    private static void PrintPeerMemory(IPEndPoint proxy, IdleCost cost)
    {
        if (cost.PeerKiB is not { } perTunnel)
        {
            Console.WriteLine($"      peer process: not found (no visible process listens on port {proxy.Port}; run the bench as the peer's user or root)");
            return;
        }

        var pids = cost.PeerProcesses;
        var names = string.Join(", ", pids.Take(4).Select(pid => $"{pid} {SafeName(pid)}")) + (pids.Count > 4 ? $", +{pids.Count - 4} more" : string.Empty);
        Console.WriteLine($"      peer's own RSS (pid {names}): {perTunnel:0.00} KiB per idle tunnel  <- compare with ProxyKit's 'proxy only: RSS'");
    }

    private static string SafeName(int pid)
    {
        try
        {
            return ProcessResources.CommandName(pid);
        }
        catch (IOException)
        {
            return "exited";
        }
    }

    // Opens connections through the dialer to the echo server, with one echo each; returns those that opened.
    private static async Task<List<Socket>> OpenIdleAsync(ProxyDialer dialer, int count, IPEndPoint echo)
    {
        var opened = new ConcurrentBag<Socket>();
        long failed = 0;
        string? firstError = null;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = OpenParallelism }, async (_, _) =>
        {
            Socket? socket = null;
            try
            {
                socket = await dialer.ConnectAsync(echo, bound.Token);
                await socket.SendAsync(OneByte, SocketFlags.None, bound.Token);
                await ProxyDialer.ReceiveExactlyAsync(socket, new byte[1], bound.Token);
                opened.Add(socket);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                socket?.Dispose();
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, $"{ex.GetType().Name}: {ex.Message}", null);
            }
        });
        if (failed > 0)
        {
            Console.WriteLine($"      {dialer.Name}: {failed:N0} of {count:N0} connections failed; first: {firstError}");
        }

        return [.. opened];
    }

    // Waits until the echo server holds exactly what the bench opened (so every tunnel is through the proxy), then collects and reads memory.
    private static async Task<(long Rss, long Managed)> SettleAsync(LoopbackServers servers, int open)
    {
        var clock = Stopwatch.StartNew();
        while (servers.EchoOpen != open && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50);
        }

        await Task.Delay(250); // let the last handshakes' continuations finish
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return (ProcessResources.ResidentBytes(), GC.GetTotalMemory(forceFullCollection: false));
    }

    private static void PrintHeader(Settings settings, List<Subject> subjects, LoopbackServers servers)
    {
        Console.WriteLine($"relay: {Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
            $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC; {settings.Duration.TotalSeconds:0} s per figure; loopback only");
        Console.WriteLine($"targets (this process): sink {servers.SinkEndPoint}, echo {servers.EchoEndPoint}; 'direct' = the same client load without a proxy");
        Console.WriteLine(settings.Target is null
            ? $"proxies: ProxyKit relay listeners in this process, {string.Join(", ", subjects.Select(s => $"{s.Dialer.Name} on {s.Dialer.Proxy}"))} " +
              "(dual-stack egress, private destinations allowed); they share this process's cores with the clients and servers"
            : $"proxy: the peer on {settings.Target}, driven with {(settings.Protocol == ProxyProtocol.Socks5 ? "SOCKS5 CONNECT (no auth)" : "HTTP CONNECT")}");
    }

    private static void PrintRelayStats(List<Subject> subjects)
    {
        foreach (var subject in subjects.Where(s => s.Listener is not null))
        {
            var stats = subject.Listener!.GetStats();
            var failures = stats.ConnectionsFailed == 0 ? "0" : $"{stats.ConnectionsFailed:N0} ({string.Join(", ", stats.FailuresByReason.Select(f => $"{f.Key} {f.Value:N0}"))})";
            Console.WriteLine($"{subject.Dialer.Name} listener stats: {stats.ConnectionsAccepted:N0} connections accepted, {failures} failed; " +
                $"{stats.BytesSent:N0} bytes up, {stats.BytesReceived:N0} bytes down");
        }
    }

    private static Subject StartRelay(RelayProtocol protocol, ProxyProtocol handshake, string name, int connections)
    {
        var options = new RelayListenerOptions
        {
            Name = $"bench-{protocol.ToString().ToLowerInvariant()}",
            Protocol = protocol,
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            MaxConnections = Math.Max(10_000, connections + 1_000),
        };
        options.Egress.Policy = EgressAddressPolicy.DualStack;
        options.Destinations.AllowPrivateNetworks = true;
        var listener = RelayListener.Create(options);
        listener.Start();
        return new Subject(ProxyDialer.Through(name, listener.LocalEndPoint, handshake), listener);
    }

    private static Settings? Parse(string[] args, out string? problem)
    {
        var seconds = 3;
        var connections = 5_000;
        IPEndPoint? target = null;
        ProxyProtocol? protocol = null;
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--seconds" when int.TryParse(value, CultureInfo.InvariantCulture, out seconds) && seconds is >= 1 and <= 60:
                case "--connections" when int.TryParse(value, CultureInfo.InvariantCulture, out connections) && connections is >= 1 and <= MaxConnections:
                    i++;
                    break;
                case "--target" when IPEndPoint.TryParse(value ?? string.Empty, out target) && target.Port != 0:
                    if (!IPAddress.IsLoopback(target.Address))
                    {
                        problem = $"--target {value}: the bench only drives loopback proxies (127.0.0.0/8, ::1)";
                        return null;
                    }

                    i++;
                    break;
                case "--protocol" when value is "socks5" or "http":
                    protocol = value == "socks5" ? ProxyProtocol.Socks5 : ProxyProtocol.HttpConnect;
                    i++;
                    break;
                default:
                    problem = args[i] is "--seconds" or "--connections" or "--target" or "--protocol"
                        ? $"{args[i]}: invalid value '{value}' (seconds 1-60, connections 1-{MaxConnections:N0}, target 127.0.0.1:PORT, protocol socks5|http)"
                        : $"unknown argument '{args[i]}'";
                    return null;
            }
        }

        if (protocol is not null && target is null)
        {
            problem = "--protocol selects the handshake for --target; without --target both SOCKS5 and HTTP CONNECT are measured";
            return null;
        }

        return new Settings(TimeSpan.FromSeconds(seconds), connections, target, protocol ?? ProxyProtocol.Socks5);
    }

    private static byte[] RandomPayload(int length)
    {
        var payload = new byte[length];
        Random.Shared.NextBytes(payload);
        return payload;
    }

    private sealed record Settings(TimeSpan Duration, int Connections, IPEndPoint? Target, ProxyProtocol Protocol);

    /// <summary>A proxy under test; <see cref="Listener"/> is set when it is ProxyKit's relay in this process.</summary>
    private sealed record Subject(ProxyDialer Dialer, RelayListener? Listener);

    private sealed record IdleCost(int Opened, double RssKiB, double ManagedKiB, IReadOnlyList<int> PeerProcesses, double? PeerKiB);

    private sealed record ChurnResult(double PerSecond, double P50Ms, double P99Ms, long Errors, string? FirstError);
}
