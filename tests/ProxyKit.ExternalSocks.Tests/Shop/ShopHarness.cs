using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Accounts.Ledger;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Orders;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Ledger;
using ProxyKit.ProviderEmulator;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.ExternalSocks.Tests.Shop;

/// <summary>
/// The shop wired as a host wires it (<c>AddProxyKitAccounts</c> + <c>AddProxyKitExternalSocks</c>) over one test database
/// with every migration applied and the provider emulator on loopback.
/// </summary>
/// <remarks>
/// Clocks: the stores, the ledger, the shop and the reconciler run on a <see cref="ManualTimeProvider"/> (the refund window and
/// the reconciler's grace are crossed by <see cref="ManualTimeProvider.Advance"/>), while the provider's HTTP resilience
/// pipeline (per-attempt and total timeouts, retry back-off) is given <see cref="TimeProvider.System"/> so a
/// <c>timeout_after_sale</c> buy really times out after <see cref="TimeoutSeconds"/>. The manual clock starts at the real
/// current time so the emulator's <c>bought_at</c> (real time) falls inside the reconciler's look-back window.
/// </remarks>
internal sealed class ShopHarness : IAsyncDisposable
{
    public const int TimeoutSeconds = 2;

    public static readonly string SecretKey = Convert.ToBase64String(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());

    private ShopHarness(ServiceProvider services, TestDatabase test, ProviderEmulatorHost emulator, ManualTimeProvider clock)
    {
        Services = services;
        Test = test;
        Emulator = emulator;
        Clock = clock;
    }

    public ServiceProvider Services { get; }

    public TestDatabase Test { get; }

    public ProviderEmulatorHost Emulator { get; }

    public EmulatorState Provider => Emulator.State;

    public ManualTimeProvider Clock { get; }

    public ProxyKitDatabase Database => Test.Database;

    public ExternalProxyCatalog Catalog => Services.GetRequiredService<ExternalProxyCatalog>();

    public ExternalProxyShop Shop => Services.GetRequiredService<ExternalProxyShop>();

    public OrderStore Orders => Services.GetRequiredService<OrderStore>();

    public CreditLedger Ledger => Services.GetRequiredService<CreditLedger>();

    public OrderReconciler Reconciler => field ??= new OrderReconciler(
        Services, Clock, Services.GetRequiredService<IOptions<ExternalSocksOptions>>(), Services.GetRequiredService<ILogger<OrderReconciler>>());

    /// <summary>Gets whether the shop sees the ledger only as <see cref="ICreditLedger"/> (its multi-commit path) rather than one that joins its transactions.</summary>
    public bool StandaloneLedger => Services.GetRequiredService<ICreditLedger>() is not ITransactionalCreditLedger;

    public static async Task<ShopHarness> CreateAsync(
        TestDatabase database, int inventory, bool allOnline, Action<ExternalSocksOptions>? configure = null, bool standaloneLedger = false,
        Action<IExternalSocksBuilder>? build = null)
    {
        var emulator = await ProviderEmulatorHost.StartAsync(inventory, seed: 7);
        if (allOnline)
        {
            for (var i = 0; i < inventory; i++)
            {
                emulator.State.SetProxyStatus(1000 + i, 1);
            }
        }

        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection().AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(database.Database); // an instance: the test database owns and disposes it
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = SecretKey);

        // The provider's HTTP timeouts run on real time (see the remarks); everything else on the manual clock.
        services.AddSingleton(sp => new ProviderResilienceRegistry(
            sp.GetRequiredService<IOptionsMonitor<ExternalSocksProviderOptions>>(), TimeProvider.System, sp.GetRequiredService<ILoggerFactory>()));
        services.AddProxyKitAccounts();
        if (standaloneLedger)
        {
            services.Replace(ServiceDescriptor.Singleton<ICreditLedger>(sp => new StandaloneLedger(sp.GetRequiredService<CreditLedger>())));
        }

        var externalSocks = services.AddProxyKitExternalSocks(o =>
        {
            o.BaseUrl = emulator.BaseUrl;
            o.ApiToken = emulator.Token;
            o.TimeoutSeconds = TimeoutSeconds;
            configure?.Invoke(o);
        });
        build?.Invoke(externalSocks);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<MigrationRunner>().RunAsync();
        return new ShopHarness(provider, database, emulator, clock);
    }

    /// <summary>Gives <paramref name="user"/> <paramref name="cents"/> US cents.</summary>
    public async Task FundAsync(Guid user, long cents)
    {
        var grant = await Ledger.GrantAsync(new LedgerGrant(user, LedgerAsset.Usd, cents, "fund-" + Guid.NewGuid().ToString("N")));
        grant.Succeeded.ShouldBeTrue();
    }

    public async Task<long> BalanceAsync(Guid user) => await Ledger.GetBalanceAsync(user, LedgerAsset.Usd);

    /// <summary>Syncs the whole provider (page size 100) and asserts it succeeded.</summary>
    public async Task<SyncResult> SyncAsync(string? country = null, int pageSize = 100)
    {
        var result = await Catalog.SyncAsync(country, pageSize);
        result.Succeeded.ShouldBeTrue(result.Error?.ToString());
        return result.Value!;
    }

    public async Task<InventoryPage> ListAsync(InventoryQuery? query = null)
    {
        var result = await Catalog.ListAsync(query ?? new InventoryQuery { PageSize = 500 });
        result.Succeeded.ShouldBeTrue();
        return result.Value!;
    }

    /// <summary>Every row of the inventory (any state).</summary>
    public Task<long> InventoryRowsAsync() => CountAsync("SELECT COUNT(*) FROM extsocks_inventory");

    public async Task<long> ProductIdAsync(long providerProxyId) =>
        Convert.ToInt64(await ScalarAsync("SELECT id FROM extsocks_inventory WHERE provider_proxy_id = @p", ("p", providerProxyId)), CultureInfo.InvariantCulture);

    public async Task<string?> ItemStateAsync(long productId) => (string?)await ScalarAsync("SELECT state FROM extsocks_inventory WHERE id = @id", ("id", productId));

    public Task<long> PendingHoldsAsync(Guid? user = null) => user is { } u
        ? CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending' AND user_id = @u", ("u", u.ToString("D")))
        : CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending'");

    /// <summary>The raw stored state of an order (internal states included).</summary>
    public async Task<string?> OrderStateAsync(string orderId) => (await Orders.GetAsync(orderId, default))?.State;

    /// <summary>Asserts the ledger's invariants (journal = balances, holds account = pending holds, every asset sums to zero).</summary>
    public async Task ShouldBalanceAsync()
    {
        var audit = await Ledger.AuditAsync();
        audit.Problems.ShouldBeEmpty();
    }

    /// <summary>Moves the manual clock past the reconciler's grace and runs one reconciliation round.</summary>
    public async Task<int> ReconcileAfterGraceAsync()
    {
        Clock.Advance(Reconciler.Grace + TimeSpan.FromSeconds(1));
        return await Reconciler.ReconcileOnceAsync(default);
    }

    public Task<long> CountAsync(string sql, params (string Name, object? Value)[] parameters) => Database.CountAsync(sql, parameters);

    public Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ExecuteAsync(sql, CancellationToken.None, parameters);

    public Task<object?> ScalarAsync(string sql, params (string Name, object? Value)[] parameters) => Database.ScalarAsync(sql, parameters);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }

}

/// <summary>The base of the shop's contract tests: a fresh, migrated database and a fresh emulator per test.</summary>
public abstract class ShopContractTestBase(TestEngine engine, bool standaloneLedger = false) : StoreContractTestBase(engine)
{
    private readonly List<IAsyncDisposable> _resources = [];

    private protected async Task<ShopHarness> CreateShopAsync(
        int inventory = 50, bool allOnline = true, Action<ExternalSocksOptions>? configure = null, Action<IExternalSocksBuilder>? build = null)
    {
        var database = await CreateDatabaseAsync();
        var shop = await ShopHarness.CreateAsync(database, inventory, allOnline, configure, standaloneLedger, build);
        _resources.Add(shop);
        return shop;
    }

    protected override async Task DisposeResourcesAsync()
    {
        for (var i = _resources.Count - 1; i >= 0; i--)
        {
            await _resources[i].DisposeAsync();
        }
    }
}

/// <summary>
/// The real ledger seen only through <see cref="ICreditLedger"/>, as a ledger in another database or service would be: the
/// shop cannot join its transactions and takes its multi-commit path (reserve, hold, buy, deliver, post, complete).
/// </summary>
internal sealed class StandaloneLedger(ICreditLedger inner) : ICreditLedger
{
    public ValueTask<LedgerResult> ChargeAsync(LedgerCharge charge, CancellationToken cancellationToken = default) => inner.ChargeAsync(charge, cancellationToken);

    public ValueTask<LedgerResult> HoldAsync(LedgerHold hold, CancellationToken cancellationToken = default) => inner.HoldAsync(hold, cancellationToken);

    public ValueTask<LedgerResult> PostHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => inner.PostHoldAsync(holdId, cancellationToken);

    public ValueTask<LedgerResult> VoidHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => inner.VoidHoldAsync(holdId, cancellationToken);

    public ValueTask<LedgerResult> RefundAsync(LedgerRefund refund, CancellationToken cancellationToken = default) => inner.RefundAsync(refund, cancellationToken);

    public ValueTask<long> GetBalanceAsync(Guid userId, LedgerAsset asset, CancellationToken cancellationToken = default) => inner.GetBalanceAsync(userId, asset, cancellationToken);
}
