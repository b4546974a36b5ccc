using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Orders;
using ProxyKit.ProviderEmulator;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.ExternalSocks.Tests.Shop;

/// <summary>
/// The hosted loops themselves (<c>AddInventorySync</c>, <c>AddOrderReconciler</c>) on the manual clock: they act at start,
/// sleep their interval, act again, survive a failing round, and stop when the host stops.
/// </summary>
public abstract class BackgroundLoopContractTests(TestEngine engine) : ShopContractTestBase(engine)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public async Task SyncWorker_SyncsAtStart_AgainAfterEachInterval_AndNotAfterStopping()
    {
        var shop = await CreateShopAsync(inventory: 30, build: static b => b.AddInventorySync());
        var worker = Hosted<InventorySyncWorker>(shop);
        var interval = TimeSpan.FromMinutes(5); // ExternalSocksOptions.SyncIntervalMinutes default

        await worker.StartAsync(default);
        await UntilAsync(async () => await shop.InventoryRowsAsync() == 30, "the first sync runs at start");
        await UntilAsleepAsync(shop, interval);
        (await SyncRunsAsync(shop)).ShouldBe(1);

        // The provider lists ten more; nothing happens until the interval has passed.
        shop.Provider.Reset(new EmulatorReset(Inventory: 40, Seed: 7, Token: shop.Emulator.Token));
        for (var i = 0; i < 40; i++)
        {
            shop.Provider.SetProxyStatus(1000 + i, 1);
        }

        shop.Clock.Advance(interval - TimeSpan.FromSeconds(1));
        (await SyncRunsAsync(shop)).ShouldBe(1);
        shop.Clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(async () => await shop.InventoryRowsAsync() == 40, "the second sync runs after the interval");
        await UntilAsleepAsync(shop, interval);
        (await SyncRunsAsync(shop)).ShouldBe(2);

        await worker.StopAsync(default);
        shop.Clock.Advance(interval * 3);
        await Task.Delay(200);
        (await SyncRunsAsync(shop)).ShouldBe(2, "a stopped worker syncs no more");
    }

    [SkippableFact]
    public async Task SyncWorker_AProviderFailure_IsRecordedAndTheNextIntervalSyncsAgain()
    {
        var shop = await CreateShopAsync(inventory: 20, build: static b => b.AddInventorySync());
        shop.Provider.SetFaults(new EmulatorFaults { ListStatus = 500 });
        var worker = Hosted<InventorySyncWorker>(shop);
        var interval = TimeSpan.FromMinutes(5);

        await worker.StartAsync(default);
        await UntilAsleepAsync(shop, interval);
        (await shop.InventoryRowsAsync()).ShouldBe(0);

        shop.Provider.SetFaults(new EmulatorFaults());
        shop.Clock.Advance(interval);
        await UntilAsync(async () => await shop.InventoryRowsAsync() == 20, "the loop survived the failed round and synced at the next interval");
        await worker.StopAsync(default);
    }

    [SkippableFact]
    public async Task Reconciler_SettlesAPurchaseWhoseAnswerWasLost_OnItsOwn()
    {
        var shop = await CreateShopAsync(build: static b => b.AddOrderReconciler());
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        var product = await shop.ProductIdAsync(1003);
        shop.Provider.SetFaults(new EmulatorFaults { BuyMode = "timeout_after_sale" });
        var pending = (await shop.Shop.PurchaseAsync(user, product)).Value!;
        pending.State.ShouldBe(ExternalOrderStates.Pending);
        shop.Provider.SetFaults(new EmulatorFaults());

        var reconciler = Hosted<OrderReconciler>(shop);
        await reconciler.StartAsync(default);
        await UntilAsleepAsync(shop, OrderReconciler.Interval);
        (await shop.Shop.GetOrderAsync(user, pending.OrderId))!.State.ShouldBe(ExternalOrderStates.Pending, "still within the grace period");

        // Tick the loop past the grace period, one interval at a time, as a running host would.
        var waited = TimeSpan.Zero;
        while (waited <= shop.Reconciler.Grace)
        {
            shop.Clock.Advance(OrderReconciler.Interval);
            waited += OrderReconciler.Interval;
            await UntilAsleepAsync(shop, OrderReconciler.Interval);
        }

        await UntilAsync(async () => (await shop.Shop.GetOrderAsync(user, pending.OrderId))!.State == ExternalOrderStates.Completed, "the reconciler completed the order");
        (await shop.BalanceAsync(user)).ShouldBe(800, "charged once");
        shop.Provider.Snapshot().Sold.ShouldBe(1);
        await reconciler.StopAsync(default);
        await shop.ShouldBalanceAsync();
    }

    private static T Hosted<T>(ShopHarness shop)
        where T : IHostedService => shop.Services.GetServices<IHostedService>().OfType<T>().Single();

    private static Task<long> SyncRunsAsync(ShopHarness shop) => shop.CountAsync("SELECT COUNT(*) FROM extsocks_sync_runs");

    // The loop has finished its round and waits on the clock for one interval.
    private static Task UntilAsleepAsync(ShopHarness shop, TimeSpan interval) =>
        UntilAsync(() => Task.FromResult(shop.Clock.PendingDueTimes.Contains(interval)), $"the loop sleeps {interval}");

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Patience.TotalSeconds:0} s for: {what}.");
            }

            await Task.Delay(20);
        }
    }
}

public sealed class SqliteBackgroundLoopContractTests() : BackgroundLoopContractTests(TestEngine.Sqlite);

public sealed class PostgresBackgroundLoopContractTests() : BackgroundLoopContractTests(TestEngine.Postgres);
