using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Accounts.Ledger;
using ProxyKit.Ledger;
using ProxyKit.Pool.Leasing;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Leasing;

/// <summary>The pool with ProxyKit.Accounts' real <see cref="CreditLedger"/>, both migrated on one test database.</summary>
internal sealed class LeaseHarness : IAsyncDisposable
{
    private const string Source = "0195f7a0-0000-7000-8000-0000000000ab";

    private LeaseHarness(ServiceProvider services, TestDatabase test)
    {
        Services = services;
        Test = test;
    }

    public ServiceProvider Services { get; }

    public TestDatabase Test { get; }

    public ProxyKitDatabase Database => Test.Database;

    public ProxyLeaseService Leases => Services.GetRequiredService<ProxyLeaseService>();

    public CreditLedger Ledger => Services.GetRequiredService<CreditLedger>();

    public static async Task<LeaseHarness> CreateAsync(TestDatabase database, TimeProvider clock, Action<PoolOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        PoolHarness.Configure(services, database.Database, clock, configure);
        services.AddProxyKitAccounts(o => o.BatchCharges = false);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<MigrationRunner>().RunAsync();
        return new LeaseHarness(provider, database);
    }

    /// <summary>Adds an active proxy with the given state and returns its id.</summary>
    public async Task<string> AddActiveAsync(
        string ip, double score, string protocol = "http", string? country = "US", string? anonymity = "elite", string? username = null, string? password = null)
    {
        var store = Services.GetRequiredService<ProxyStore>();
        var now = Services.GetRequiredService<TimeProvider>().GetUtcNow();
        await store.IngestAsync(Source, [new ParsedProxy(ip, 8080, protocol, username, password)], protocol, now, CancellationToken.None);
        var id = (string)(await ScalarAsync("SELECT id FROM pool_proxies WHERE ip = @ip AND protocol = @protocol", ("ip", ip), ("protocol", protocol)))!;
        (await store.UpdateStateAsync(id, new ProxyStateUpdate("active", anonymity, ip, country, score, 120, 99, now), now, CancellationToken.None)).ShouldBeTrue();
        return id;
    }

    public async Task<Guid> UserWithCreditsAsync(long credits)
    {
        var user = Guid.CreateVersion7();
        if (credits > 0)
        {
            (await Ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Credits, credits, "grant:" + user))).Succeeded.ShouldBeTrue();
        }

        return user;
    }

    public ValueTask<long> BalanceAsync(Guid user) => Ledger.GetBalanceAsync(user, LedgerAsset.Credits);

    public Task<long> CountAsync(string sql, params (string Name, object? Value)[] parameters) => Database.CountAsync(sql, parameters);

    public Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ScalarAsync(sql, parameters);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
