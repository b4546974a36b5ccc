using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;
using ProxyKit.WireGuard.Allocation;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.Allocation;

/// <summary>
/// ProxyKit.WireGuard wired as a host wires it (<c>AddProxyKitWireGuard</c> + <c>AddPeerReconciler</c>) over one test
/// database with its migrations applied, a manual clock, and an <see cref="InMemoryPeerSync"/> standing in for the
/// interfaces. The reconcile loop is never started: tests drive <see cref="WireGuardReconciler.ReconcileOnceAsync"/>.
/// </summary>
internal sealed class WireGuardHarness : IAsyncDisposable
{
    public const string ServerA = "198.51.100.10";
    public const string ServerB = "198.51.100.20";
    public const string InterfaceA = "wgtest0";
    public const string InterfaceB = "wgtest1";

    public static readonly string SecretKey = Convert.ToBase64String(Enumerable.Range(11, 32).Select(i => (byte)i).ToArray());

    private WireGuardHarness(ServiceProvider services, ProxyKitDatabase database, ManualTimeProvider clock, InMemoryPeerSync peers, IWireGuardPeerSync sync)
    {
        Services = services;
        Database = database;
        Clock = clock;
        Peers = peers;
        Sync = sync;
    }

    public ServiceProvider Services { get; }

    public ProxyKitDatabase Database { get; }

    public ManualTimeProvider Clock { get; }

    /// <summary>Gets the in-memory interfaces.</summary>
    public InMemoryPeerSync Peers { get; }

    /// <summary>Gets what the library was given as its <see cref="IWireGuardPeerSync"/> (<see cref="Peers"/> or a wrapper of it).</summary>
    public IWireGuardPeerSync Sync { get; }

    public WireGuardKeyService Keys => Services.GetRequiredService<WireGuardKeyService>();

    public WireGuardReconciler Reconciler => Services.GetRequiredService<WireGuardReconciler>();

    /// <summary>A server on <paramref name="publicIp"/> with interface <paramref name="iface"/>.</summary>
    public static WireGuardServerOptions Server(
        string publicIp = ServerA, int capacity = 0, string? iface = InterfaceA, string subnet = "10.8.0.0/24", string? privateKey = null) =>
        new() { PublicIp = publicIp, Capacity = capacity, Interface = iface, Subnet = subnet, PrivateKey = privateKey };

    public static async Task<WireGuardHarness> CreateAsync(
        ProxyKitDatabase database, Action<WireGuardOptions> configure, ManualTimeProvider? clock = null, InMemoryPeerSync? peers = null,
        Func<InMemoryPeerSync, IWireGuardPeerSync>? wrap = null)
    {
        clock ??= new ManualTimeProvider();
        peers ??= new InMemoryPeerSync();
        var sync = wrap?.Invoke(peers) ?? peers;
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(database); // an instance: the test database owns and disposes it
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = SecretKey);
        services.AddSingleton(sync); // before AddProxyKitWireGuard, which only adds its own if none is registered
        services.AddProxyKitWireGuard(configure).AddPeerReconciler();

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<MigrationRunner>().RunAsync();
        return new WireGuardHarness(provider, database, clock, peers, sync);
    }

    /// <summary>Allocates and asserts it succeeded.</summary>
    public async Task<WireGuardAllocation> AllocateAsync(string client, string? serverIp = null)
    {
        var result = await Keys.AllocateAsync(client, serverIp);
        result.Succeeded.ShouldBeTrue($"allocating for {client} on {serverIp ?? "any server"} failed: {result.Error}");
        return result.Value!;
    }

    /// <summary>Releases and asserts it succeeded.</summary>
    public async Task ReleaseAsync(WireGuardPublicKey key)
    {
        var result = await Keys.ReleaseAsync(key.ToBase64());
        result.Succeeded.ShouldBeTrue($"releasing {key} failed: {result.Error}");
    }

    public async Task<WireGuardStatus> StatusAsync(string? serverIp = null)
    {
        var result = await Keys.GetStatusAsync(serverIp);
        result.Succeeded.ShouldBeTrue(result.Error?.ToString());
        return result.Value!;
    }

    public Task<int> ReconcileAsync() => Reconciler.ReconcileOnceAsync(CancellationToken.None);

    /// <summary>The interface's peers, by public key.</summary>
    public async Task<Dictionary<WireGuardPublicKey, WireGuardPeerStatus>> PeersOnAsync(string iface = InterfaceA) =>
        (await Peers.GetPeersAsync(iface)).ToDictionary(static p => p.PublicKey);

    public Task<long> CountAsync(string sql, params (string Name, object? Value)[] parameters) => Database.CountAsync(sql, parameters);

    public Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ScalarAsync(sql, parameters);

    /// <summary>Every value of the first column.</summary>
    public Task<List<string?>> ColumnAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ColumnAsync(sql, parameters);

    public ValueTask DisposeAsync() => Services.DisposeAsync();

}

/// <summary>Counts <see cref="ConfigureInterfaceAsync"/> calls and passes everything to an <see cref="InMemoryPeerSync"/>.</summary>
internal sealed class CountingPeerSync(InMemoryPeerSync inner) : IWireGuardPeerSync
{
    private int _configureCount;

    public int ConfigureCount => Volatile.Read(ref _configureCount);

    public Task ConfigureInterfaceAsync(string interfaceName, WireGuardPrivateKey privateKey, int listenPort, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _configureCount);
        return inner.ConfigureInterfaceAsync(interfaceName, privateKey, listenPort, cancellationToken);
    }

    public Task<WireGuardInterfaceStatus> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default) =>
        inner.GetInterfaceAsync(interfaceName, cancellationToken);

    public Task<IReadOnlyList<WireGuardPeerStatus>> GetPeersAsync(string interfaceName, CancellationToken cancellationToken = default) =>
        inner.GetPeersAsync(interfaceName, cancellationToken);

    public Task ApplyAsync(
        string interfaceName, IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove, CancellationToken cancellationToken = default) =>
        inner.ApplyAsync(interfaceName, upsert, remove, cancellationToken);
}

/// <summary>The base of the allocation contract tests: a fresh, migrated database and harness per test.</summary>
public abstract class WireGuardContractTestBase(TestEngine engine) : StoreContractTestBase(engine)
{
    private readonly List<IAsyncDisposable> _resources = [];

    private protected async Task<WireGuardHarness> CreateHarnessAsync(
        Action<WireGuardOptions> configure, InMemoryPeerSync? peers = null, Func<InMemoryPeerSync, IWireGuardPeerSync>? wrap = null)
    {
        var database = await CreateDatabaseAsync();
        return await CreateHarnessAsync(database.Database, configure, new ManualTimeProvider(), peers, wrap);
    }

    /// <summary>Another harness (another "host") over <paramref name="database"/>.</summary>
    private protected async Task<WireGuardHarness> CreateHarnessAsync(
        ProxyKitDatabase database, Action<WireGuardOptions> configure, ManualTimeProvider clock, InMemoryPeerSync? peers = null,
        Func<InMemoryPeerSync, IWireGuardPeerSync>? wrap = null)
    {
        var harness = await WireGuardHarness.CreateAsync(database, configure, clock, peers, wrap);
        _resources.Add(harness);
        return harness;
    }

    /// <summary>Tracks something to dispose after the harnesses (before the databases are dropped).</summary>
    private protected void Track(IAsyncDisposable resource) => _resources.Insert(0, resource);

    /// <summary>Runs <paramref name="count"/> calls released together, for the most contention.</summary>
    private protected static async Task<T[]> RaceAsync<T>(int count, Func<int, Task<T>> call)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await call(i);
        })).ToList();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    protected override async Task DisposeResourcesAsync()
    {
        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            await _resources[i].DisposeAsync();
        }
    }
}
