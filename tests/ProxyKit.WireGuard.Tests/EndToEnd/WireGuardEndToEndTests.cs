using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProxyKit.Secrets;
using ProxyKit.Sqlite;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing.Networking;
using ProxyKit.WireGuard.Allocation;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.EndToEnd;

/// <summary>
/// The whole thing for real (root): a server namespace and a client namespace joined by a veth, wireguard-go in each;
/// ProxyKit manages the server interface over its control socket (key, port, peers), a client brings up the configuration
/// it was allocated and pings across the tunnel, the handshake is recorded, a release stops traffic at once, and a killed
/// client's key is released by the reconcile loop after the (shortened) idle window.
/// </summary>
public sealed class WireGuardEndToEndTests : IAsyncLifetime
{
    private readonly string _id = RandomNumberGenerator.GetHexString(6, lowercase: true);
    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly List<string> _namespaces = [];
    private string ServerNs => $"pkwgs-{_id}";
    private string ClientNs => $"pkwgc-{_id}";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        foreach (var ns in _namespaces)
        {
            await ProcessRunner.RunAsync("ip", ["netns", "del", ns]);
        }
    }

    [SkippableFact]
    public async Task AllocatedConfig_Pings_HandshakeSeen_ReleaseCutsIt_KilledClientIsAutoReleased()
    {
        await WireGuardGoInterface.RequireAsync();
        await RequireToolAsync("wg", "wireguard-tools");
        await RequireToolAsync("ping", "iputils-ping");

        // Two namespaces joined by a veth (documentation addresses, inside the namespaces only).
        await NamespaceAsync(ServerNs);
        await NamespaceAsync(ClientNs);
        await Ip("link", "add", $"pkvs{_id}", "netns", ServerNs, "type", "veth", "peer", "name", $"pkvc{_id}", "netns", ClientNs);
        await Ip("-n", ServerNs, "addr", "add", "192.0.2.1/24", "dev", $"pkvs{_id}");
        await Ip("-n", ClientNs, "addr", "add", "192.0.2.2/24", "dev", $"pkvc{_id}");
        await Ip("-n", ServerNs, "link", "set", $"pkvs{_id}", "up");
        await Ip("-n", ClientNs, "link", "set", $"pkvc{_id}", "up");

        // The server interface: ProxyKit sets its key and port and manages its peers.
        var server = await WireGuardGoInterface.StartAsync(ServerNs);
        _cleanup.Add(server);
        var third = RandomNumberGenerator.GetInt32(1, 250);
        await Ip("-n", ServerNs, "addr", "add", $"10.77.{third}.1/24", "dev", server.Name);
        await Ip("-n", ServerNs, "link", "set", server.Name, "up");
        var port = RandomNumberGenerator.GetInt32(40_000, 60_000);

        var folder = Directory.CreateTempSubdirectory("proxykit-wg-e2e-");
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(SqliteStorage.CreateDatabase($"Data Source={Path.Combine(folder.FullName, "wg.db")}"));
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        services.AddProxyKitWireGuard(o =>
        {
            o.Servers.Add(new WireGuardServerOptions { PublicIp = "192.0.2.1", Port = port, Interface = server.Name, Subnet = $"10.77.{third}.0/24", Capacity = 20 });
            o.PersistentKeepaliveSeconds = 1;
            o.AutoReleaseAfter = TimeSpan.FromSeconds(6);
            o.ReconcileInterval = TimeSpan.FromMilliseconds(500);
        }).AddPeerReconciler();
        var provider = services.BuildServiceProvider();
        _cleanup.Add(provider);
        await provider.GetRequiredService<MigrationRunner>().RunAsync();
        var reconciler = provider.GetServices<IHostedService>().OfType<WireGuardReconciler>().Single();
        await reconciler.StartAsync(default);
        _cleanup.Add(new AsyncStop(reconciler));
        var keys = provider.GetRequiredService<WireGuardKeyService>();
        var uapi = new UapiPeerSync();

        // The reconcile loop configures the interface: its key and port are ProxyKit's.
        await UntilAsync(async () => (await Ip("-n", ServerNs, "link", "show", server.Name)).ExitCode == 0 &&
            (await ProcessRunner.RunAsync("ip", ["netns", "exec", ServerNs, "wg", "show", server.Name, "listen-port"])).StandardOutput.Trim() == port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "the server interface listens on the configured port");

        // 1. Allocate, bring the client up, ping across the tunnel.
        var first = (await keys.AllocateAsync("192.0.2.2")).Value!;
        var client = await ClientUpAsync(first);
        (await PingAsync($"10.77.{third}.1")).ShouldBeTrue($"a ping through the tunnel should pass; client wireguard-go: {client.Output}");

        // 2. The handshake is observed and recorded.
        await UntilAsync(async () => (await keys.GetStatusAsync()).Value!.ActiveConnections.Single().LastHandshake is not null, "the handshake is recorded");

        // 3. Release: the server drops the peer at once, traffic stops.
        (await keys.ReleaseAsync(first.PublicKey.ToBase64())).Succeeded.ShouldBeTrue();
        (await uapi.GetPeersAsync(server.Name)).ShouldNotContain(p => p.PublicKey == first.PublicKey);
        (await PingAsync($"10.77.{third}.1")).ShouldBeFalse("a released key must stop working at once");
        (await keys.AllocateAsync("192.0.2.2")).Value!.PublicKey.ShouldNotBe(first.PublicKey, "a released key is never handed out again");
        await client.DisposeAsync();
        _cleanup.Remove(client);

        // 4. A client killed without releasing: its key goes after the idle window, and its peer with it.
        var status = (await keys.GetStatusAsync()).Value!;
        foreach (var stale in status.ActiveConnections)
        {
            stale.AssignedTo.ShouldBe("192.0.2.2");
        }

        var second = (await keys.AllocateAsync("192.0.2.2")).Value!;
        var secondClient = await ClientUpAsync(second);
        (await PingAsync($"10.77.{third}.1")).ShouldBeTrue($"the second key works; client wireguard-go: {secondClient.Output}");
        await Task.Delay(TimeSpan.FromSeconds(3));
        (await keys.GetStatusAsync()).Value!.ActiveConnections.ShouldContain(c => c.InternalIp.Equals(second.InternalIp),
            "a live client (keepalive every second) is not released");
        await secondClient.DisposeAsync(); // kill -9 and the interface gone: the client went away
        _cleanup.Remove(secondClient);

        await UntilAsync(async () => !(await keys.GetStatusAsync()).Value!.ActiveConnections.Any(c => c.InternalIp.Equals(second.InternalIp)),
            "the killed client's key is released after the idle window", TimeSpan.FromSeconds(20));
        await UntilAsync(async () => !(await uapi.GetPeersAsync(server.Name)).Any(p => p.PublicKey == second.PublicKey), "its peer is removed from the interface");
        (await keys.ReleaseAsync(second.PublicKey.ToBase64())).Error!.Message.ShouldBe("Key not found or not in use");
    }

    private async Task<WireGuardGoInterface> ClientUpAsync(WireGuardAllocation allocation)
    {
        var client = await WireGuardGoInterface.StartAsync(ClientNs);
        _cleanup.Add(client);

        // wg setconf takes the [Interface]/[Peer] keys wg knows; Address and DNS are wg-quick's (applied with ip here).
        var config = string.Join('\n', allocation.Config.Render().Split('\n').Where(l => !l.StartsWith("Address", StringComparison.Ordinal) && !l.StartsWith("DNS", StringComparison.Ordinal)));
        var file = Path.Combine(Path.GetTempPath(), $"pkwg-{Guid.NewGuid():N}.conf");
        if (OperatingSystem.IsLinux())
        {
            File.WriteAllText(file, string.Empty);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite); // it holds a private key
        }

        await File.WriteAllTextAsync(file, config);
        try
        {
            var set = await ProcessRunner.RunAsync("ip", ["netns", "exec", ClientNs, "wg", "setconf", client.Name, file]);
            set.ExitCode.ShouldBe(0, set.StandardError);
        }
        finally
        {
            File.Delete(file);
        }

        (await Ip("-n", ClientNs, "addr", "add", $"{allocation.InternalIp}/{allocation.Config.PrefixLength}", "dev", client.Name)).ExitCode.ShouldBe(0);
        (await Ip("-n", ClientNs, "link", "set", client.Name, "up")).ExitCode.ShouldBe(0);
        return client;
    }

    private async Task<bool> PingAsync(string address) =>
        (await ProcessRunner.RunAsync("ip", ["netns", "exec", ClientNs, "ping", "-c", "2", "-i", "0.3", "-W", "1", address], TimeSpan.FromSeconds(15))).ExitCode == 0;

    private async Task NamespaceAsync(string name)
    {
        (await Ip("netns", "add", name)).ExitCode.ShouldBe(0);
        _namespaces.Add(name);
        await Ip("-n", name, "link", "set", "lo", "up");
    }

    private static Task<ProcessResult> Ip(params string[] arguments) => ProcessRunner.RunAsync("ip", arguments);

    private static async Task RequireToolAsync(string tool, string package)
    {
        var found = (await ProcessRunner.RunAsync("sh", ["-c", $"command -v {tool}"])).ExitCode == 0;
        if (!found && ProxyKit.Testing.TestEnvironment.IsCi)
        {
            throw new InvalidOperationException($"WireGuard end-to-end test needs {tool} ({package}); CI must not skip.");
        }

        Skip.If(!found, $"needs {tool} (apt-get install --no-install-recommends {package})");
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for: {what}.");
            }

            await Task.Delay(100);
        }
    }

    private sealed class AsyncStop(IHostedService service) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await service.StopAsync(default);
    }
}
