using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Sources;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Storage;

/// <summary>
/// The pool wired as <c>AddProxyKitPool</c> wires it, over one test database with the pool's migrations applied, on a
/// clock the test chooses. Fetching may reach loopback (test servers) and never retries, so no test waits on back-off.
/// </summary>
internal sealed class PoolHarness : IAsyncDisposable
{
    /// <summary>The master key every harness uses (32 bytes, base64).</summary>
    public static readonly string SecretKey = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

    private PoolHarness(ServiceProvider services, TestDatabase test)
    {
        Services = services;
        Test = test;
    }

    public ServiceProvider Services { get; }

    /// <summary>Gets the test database (to open a second host on it).</summary>
    public TestDatabase Test { get; }

    public ProxyKitDatabase Database => Test.Database;

    public ProxyStore Proxies => Services.GetRequiredService<ProxyStore>();

    public SourceStore Sources => Services.GetRequiredService<SourceStore>();

    public ProxyPoolService Pool => Services.GetRequiredService<ProxyPoolService>();

    public ProxySourceService SourceService => Services.GetRequiredService<ProxySourceService>();

    public SecretProtector Protector => Services.GetRequiredService<SecretProtector>();

    public static async Task<PoolHarness> CreateAsync(TestDatabase database, TimeProvider clock, Action<PoolOptions>? configure = null, bool migrate = true)
    {
        var services = new ServiceCollection().AddLogging();
        Configure(services, database.Database, clock, configure);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        if (migrate)
        {
            await provider.GetRequiredService<MigrationRunner>().RunAsync();
        }

        return new PoolHarness(provider, database);
    }

    /// <summary>Registers the pool over <paramref name="database"/> (also used to build whole hosts).</summary>
    public static IPoolBuilder Configure(IServiceCollection services, ProxyKitDatabase database, TimeProvider clock, Action<PoolOptions>? configure = null)
    {
        services.AddSingleton(clock);
        services.AddSingleton(database); // an instance: the test database owns and disposes it
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = SecretKey);
        return services.AddProxyKitPool(o =>
        {
            o.Fetch.AllowPrivateAddresses = true;
            o.Fetch.MaxRetries = 0;
            o.Fetch.AttemptTimeout = TimeSpan.FromSeconds(10);
            o.Fetch.TotalTimeout = TimeSpan.FromSeconds(20);
            configure?.Invoke(o);
        });
    }

    /// <summary>Ingests proxies (as a scrape of <paramref name="sourceId"/> would) and returns how many were new.</summary>
    public Task<int> IngestAsync(string sourceId, DateTimeOffset now, params ParsedProxy[] proxies) =>
        Proxies.IngestAsync(sourceId, proxies, "http", now, CancellationToken.None);

    /// <summary>Gets the id of the stored proxy <paramref name="protocol"/>://<paramref name="ip"/>:<paramref name="port"/> (without credentials).</summary>
    public async Task<string> IdOfAsync(string ip, int port, string protocol = "http") =>
        (string)(await ScalarAsync(
            "SELECT id FROM pool_proxies WHERE ip = @ip AND port = @port AND protocol = @protocol AND credentials_key = ''",
            ("ip", ip), ("port", port), ("protocol", protocol)))!;

    public Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ExecuteAsync(sql, CancellationToken.None, parameters);

    public Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ScalarAsync(sql, parameters);

    public Task<long> CountAsync(string sql, params (string Name, object? Value)[] parameters) => Database.CountAsync(sql, parameters);

    /// <summary>Reads every row of a query, each column as invariant text (or null).</summary>
    public Task<List<Dictionary<string, string?>>> RowsAsync(string sql, params (string Name, object? Value)[] parameters) => Database.RowsAsync(sql, parameters);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}

/// <summary>The base of the pool's store contract tests: a fresh, migrated database per harness, torn down in order.</summary>
public abstract class PoolContractTestBase(TestEngine engine) : StoreContractTestBase(engine)
{
    /// <summary>The instant every manual clock starts at (mid-way between two five-minute cron ticks).</summary>
    protected static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 2, 30, TimeSpan.Zero);

    private readonly List<IAsyncDisposable> _resources = [];

    private protected ManualTimeProvider Clock { get; } = new(Start);

    private protected async Task<PoolHarness> CreatePoolAsync(Action<PoolOptions>? configure = null, TimeProvider? clock = null)
    {
        var database = await CreateDatabaseAsync();
        var pool = await PoolHarness.CreateAsync(database, clock ?? Clock, configure);
        _resources.Add(pool);
        return pool;
    }

    /// <summary>Disposes <paramref name="resource"/> when the test ends, before its database is dropped.</summary>
    private protected T Track<T>(T resource)
        where T : IAsyncDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    protected override async Task DisposeResourcesAsync()
    {
        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            await _resources[i].DisposeAsync();
        }
    }
}
