using Microsoft.Extensions.DependencyInjection;
using ProxyKit.ExternalSocks.Orders;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Ledger;
using ProxyKit.ProviderEmulator;
using ProxyKit.Testing.Storage;

namespace ProxyKit.ExternalSocks.Tests.Shop;

/// <summary>
/// Purchases: the happy path, refusals, concurrency, provider faults and simulated crashes between the purchase's steps.
/// Every case ends charged-with-credentials or not charged, with no pending hold, after one reconciliation round (the
/// manual clock is advanced past <see cref="OrderReconciler.Grace"/>; the provider's HTTP timeouts run on real time).
/// </summary>
public abstract class PurchaseContractTests(TestEngine engine, bool standaloneLedger = false) : ShopContractTestBase(engine, standaloneLedger)
{
    [SkippableFact]
    public async Task Purchase_FundedUser_CompletedWithTheProvidersCredentials_Charged2AndDelisted()
    {
        var shop = await CreateShopAsync();
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        var product = await shop.ProductIdAsync(1003);

        var result = await shop.Shop.PurchaseAsync(user, product);

        result.Succeeded.ShouldBeTrue(result.Error?.ToString());
        var order = result.Value!;
        order.State.ShouldBe(ExternalOrderStates.Completed);
        order.OrderId.ShouldStartWith("ORD-");
        (order.UserId, order.ProductId, order.ProxyId, order.PriceCents).ShouldBe((user, product, 1003L, 200L));
        order.CompletedAt!.Value.ShouldBe(shop.Clock.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        var sold = shop.Provider.Purchased(null).ShouldHaveSingleItem();
        order.Credentials.ShouldNotBeNull();
        (order.Credentials.Ip, order.Credentials.Port, order.Credentials.Login, order.Credentials.Password, order.Credentials.CredentialsId)
            .ShouldBe((sold.Ip, sold.Port, sold.Login, sold.Password, sold.CredentialsId));
        sold.ProxyId.ShouldBe(1003);
        (await shop.BalanceAsync(user)).ShouldBe(800);
        (await shop.ListAsync()).Items.ShouldNotContain(i => i.ProductId == product);
        (await shop.ItemStateAsync(product)).ShouldBe("sold");
        shop.Provider.Snapshot().Sold.ShouldBe(1);
        (await shop.Shop.GetOrderAsync(user, order.OrderId)).ShouldBe(order);
        (await shop.Shop.GetOrderAsync(Guid.NewGuid(), order.OrderId)).ShouldBeNull();
        (await shop.Shop.ListOrdersAsync(user)).ShouldHaveSingleItem().OrderId.ShouldBe(order.OrderId);
        shop.Shop.IsRefundable(order).ShouldBeTrue();
        (await shop.PendingHoldsAsync()).ShouldBe(0);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task Purchase_UnknownOrSoldProduct_RefusedWithoutCharge()
    {
        var shop = await CreateShopAsync();
        await shop.SyncAsync();
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        await shop.FundAsync(first, 1000);
        await shop.FundAsync(second, 1000);
        var product = await shop.ProductIdAsync(1000);
        (await shop.Shop.PurchaseAsync(first, product)).Value!.State.ShouldBe(ExternalOrderStates.Completed);

        var unknown = await shop.Shop.PurchaseAsync(second, 987_654);
        var soldAlready = await shop.Shop.PurchaseAsync(second, product);

        unknown.Error!.Code.ShouldBe(ExternalSocksErrorCodes.ProductNotFound);
        soldAlready.Error!.Code.ShouldBe(ExternalSocksErrorCodes.ProductUnavailable);
        (await shop.BalanceAsync(second)).ShouldBe(1000);
        (await shop.Shop.ListOrdersAsync(second)).ShouldBeEmpty();
        shop.Provider.Snapshot().BuysAttempted.ShouldBe(1);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task Purchase_InsufficientFunds_RefusedAndTheItemIsListedAgain_NoHoldLeft()
    {
        var shop = await CreateShopAsync();
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 100);
        var product = await shop.ProductIdAsync(1004);

        var result = await shop.Shop.PurchaseAsync(user, product);

        result.Error!.Code.ShouldBe(ExternalSocksErrorCodes.InsufficientFunds);
        (await shop.BalanceAsync(user)).ShouldBe(100);
        (await shop.ListAsync()).Items.ShouldContain(i => i.ProductId == product);
        (await shop.ItemStateAsync(product)).ShouldBe("available");
        (await shop.PendingHoldsAsync()).ShouldBe(0);
        shop.Provider.Snapshot().BuysAttempted.ShouldBe(0);
        var orders = await shop.Shop.ListOrdersAsync(user);
        if (shop.StandaloneLedger)
        {
            // The reservation committed before the hold was refused: it stays on record as failed.
            orders.ShouldHaveSingleItem().State.ShouldBe(ExternalOrderStates.Failed);
        }
        else
        {
            orders.ShouldBeEmpty(); // reservation and hold are one transaction: nothing was written
        }

        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task Purchase_32UsersBuyOneProductAtOnce_ExactlyOneSaleAndOneCharge()
    {
        var shop = await CreateShopAsync();
        await shop.SyncAsync();
        var users = Enumerable.Range(0, 32).Select(_ => Guid.NewGuid()).ToList();
        foreach (var user in users)
        {
            await shop.FundAsync(user, 1000);
        }

        var product = await shop.ProductIdAsync(1010);

        var results = await Task.WhenAll(users.Select(user => Task.Run(() => shop.Shop.PurchaseAsync(user, product))));

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Single(r => r.Succeeded).Value!.State.ShouldBe(ExternalOrderStates.Completed);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == ExternalSocksErrorCodes.ProductUnavailable);
        var balances = new List<long>();
        foreach (var user in users)
        {
            balances.Add(await shop.BalanceAsync(user));
        }

        balances.Sum().ShouldBe((32 * 1000) - 200);
        balances.Count(b => b == 800).ShouldBe(1);
        shop.Provider.Snapshot().Sold.ShouldBe(1);
        shop.Provider.Snapshot().BuysAttempted.ShouldBe(1);
        (await shop.PendingHoldsAsync()).ShouldBe(0);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task Purchase_OneUserWith3DollarsBuysTwoProductsAtOnce_ExactlyOneSucceeds()
    {
        var shop = await CreateShopAsync();
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 300);
        var (a, b) = (await shop.ProductIdAsync(1020), await shop.ProductIdAsync(1021));

        var results = await Task.WhenAll(Task.Run(() => shop.Shop.PurchaseAsync(user, a)), Task.Run(() => shop.Shop.PurchaseAsync(user, b)));

        results.Count(r => r.Succeeded && r.Value!.State == ExternalOrderStates.Completed).ShouldBe(1);
        results.Single(r => !r.Succeeded).Error!.Code.ShouldBe(ExternalSocksErrorCodes.InsufficientFunds);
        (await shop.BalanceAsync(user)).ShouldBe(100);
        shop.Provider.Snapshot().Sold.ShouldBe(1);
        (await shop.ListAsync()).Total.ShouldBe(49, "the refused purchase's item is for sale again");
        (await shop.PendingHoldsAsync()).ShouldBe(0);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task Fault_ErrorBeforeSale_PendingThenReconciledToFailed_NotCharged()
    {
        var (shop, user, product) = await FundedShopAsync();
        shop.Provider.SetFaults(new EmulatorFaults { BuyMode = "error_before_sale" });

        var pending = await shop.Shop.PurchaseAsync(user, product);

        pending.Succeeded.ShouldBeTrue(pending.Error?.ToString());
        pending.Value!.State.ShouldBe(ExternalOrderStates.Pending);
        pending.Value.Credentials.ShouldBeNull();
        (await shop.BalanceAsync(user)).ShouldBe(800, "held while the outcome is unknown");

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        var order = await shop.Shop.GetOrderAsync(user, pending.Value.OrderId);
        order!.State.ShouldBe(ExternalOrderStates.Failed);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        (await shop.ListAsync()).Items.ShouldContain(i => i.ProductId == product);
        shop.Provider.Snapshot().Sold.ShouldBe(0);
        await ShouldBeSettledAsync(shop, user);
    }

    [SkippableFact]
    public async Task Fault_ErrorAfterSale_PendingThenReconciledToCompleted_ChargedOnce()
    {
        var (shop, user, product) = await FundedShopAsync();
        shop.Provider.SetFaults(new EmulatorFaults { BuyMode = "error_after_sale" });

        var pending = await shop.Shop.PurchaseAsync(user, product);

        pending.Value!.State.ShouldBe(ExternalOrderStates.Pending);
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);
        await ShouldBeCompletedFromTheProviderAsync(shop, user, pending.Value.OrderId, product);
    }

    [SkippableFact]
    public async Task Fault_TimeoutAfterSale_PendingThenReconciledToCompleted_ChargedOnce()
    {
        var (shop, user, product) = await FundedShopAsync();
        shop.Provider.SetFaults(new EmulatorFaults { BuyMode = "timeout_after_sale" });

        var pending = await shop.Shop.PurchaseAsync(user, product);

        pending.Value!.State.ShouldBe(ExternalOrderStates.Pending);
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);
        await ShouldBeCompletedFromTheProviderAsync(shop, user, pending.Value.OrderId, product);
    }

    [SkippableFact]
    public async Task Fault_ProviderInsufficientBalance_ErrorNotChargedItemAvailable()
    {
        var (shop, user, product) = await FundedShopAsync();
        shop.Provider.SetFaults(new EmulatorFaults { BuyMode = "insufficient_balance" });

        var result = await shop.Shop.PurchaseAsync(user, product);

        result.Error!.Code.ShouldBe(ExternalSocksErrorCodes.ProviderInsufficientBalance);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        (await shop.ListAsync()).Items.ShouldContain(i => i.ProductId == product);
        (await shop.Shop.ListOrdersAsync(user)).ShouldHaveSingleItem().State.ShouldBe(ExternalOrderStates.Failed);
        shop.Provider.Snapshot().Sold.ShouldBe(0);
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(0);
        await ShouldBeSettledAsync(shop, user);
    }

    [SkippableFact]
    public async Task Crash_AfterReserveOnly_ReconciledToFailed_NotCharged()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = NewOrderId();
        (await shop.Orders.ReserveAsync(orderId, user, product, 200, default)).Succeeded.ShouldBeTrue();

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeFailedAndReleasedAsync(shop, user, orderId, product);
    }

    [SkippableFact]
    public async Task Crash_AfterHoldBeforeRecordingIt_ReconcilerFindsTheHoldByKeyAndVoidsIt()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = NewOrderId();
        (await shop.Orders.ReserveAsync(orderId, user, product, 200, default)).Succeeded.ShouldBeTrue();
        (await HoldAsync(shop, user, orderId)).Succeeded.ShouldBeTrue();
        (await shop.BalanceAsync(user)).ShouldBe(800);

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeFailedAndReleasedAsync(shop, user, orderId, product);
    }

    [SkippableFact]
    public async Task Crash_AfterSetHeld_ReconciledToFailed_HoldVoided()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = NewOrderId();
        (await shop.Orders.ReserveAsync(orderId, user, product, 200, default)).Succeeded.ShouldBeTrue();
        var hold = await HoldAsync(shop, user, orderId);
        (await shop.Orders.SetHeldAsync(orderId, hold.TransferId!.Value, default)).ShouldBeTrue();

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeFailedAndReleasedAsync(shop, user, orderId, product);
    }

    [SkippableFact]
    public async Task Crash_AfterStartBuyingBeforeTheProviderCall_ReconciledToFailed_NotSold()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = await BuyingOrderAsync(shop, user, product);

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeFailedAndReleasedAsync(shop, user, orderId, product);
        shop.Provider.Snapshot().Sold.ShouldBe(0);
    }

    [SkippableFact]
    public async Task Crash_AfterTheProviderSoldBeforeDelivery_ReconciledToCompleted_Charged()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = await BuyingOrderAsync(shop, user, product);
        await shop.Services.GetRequiredService<IExternalSocksProvider>().BuyAsync(1005);

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeCompletedFromTheProviderAsync(shop, user, orderId, product);
    }

    [SkippableFact]
    public async Task Crash_AfterDeliveryBeforePostingTheHold_ReconciledToCompleted_ChargedOnce()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = await BuyingOrderAsync(shop, user, product);
        var purchase = await shop.Services.GetRequiredService<IExternalSocksProvider>().BuyAsync(1005);
        (await shop.Orders.DeliverAsync((await shop.Orders.GetAsync(orderId, default))!, purchase, default)).ShouldBeTrue();

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeCompletedFromTheProviderAsync(shop, user, orderId, product);
    }

    [SkippableFact]
    public async Task Crash_AfterPostingTheHoldBeforeCompleting_ReconciledToCompleted_ChargedOnce()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = await BuyingOrderAsync(shop, user, product);
        var purchase = await shop.Services.GetRequiredService<IExternalSocksProvider>().BuyAsync(1005);
        var row = (await shop.Orders.GetAsync(orderId, default))!;
        (await shop.Orders.DeliverAsync(row, purchase, default)).ShouldBeTrue();
        (await shop.Ledger.PostHoldAsync(row.HoldId!.Value)).Succeeded.ShouldBeTrue();

        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        await ShouldBeCompletedFromTheProviderAsync(shop, user, orderId, product);
    }

    [SkippableFact]
    public async Task Reconcile_OrdersWithinTheGrace_AreLeftAlone()
    {
        var (shop, user, product) = await FundedShopAsync();
        var orderId = await BuyingOrderAsync(shop, user, product);
        shop.Clock.Advance(shop.Reconciler.Grace - TimeSpan.FromSeconds(5));

        (await shop.Reconciler.ReconcileOnceAsync(default)).ShouldBe(0);

        (await shop.OrderStateAsync(orderId)).ShouldBe("buying");
        (await shop.Shop.RefundAsync(user, orderId)).Error!.Code.ShouldBe(ExternalSocksErrorCodes.OrderNotRefundable);
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);
        (await shop.OrderStateAsync(orderId)).ShouldBe("failed");
        await ShouldBeSettledAsync(shop, user);
    }

    private static string NewOrderId() => "ORD-" + Guid.NewGuid().ToString("N")[..20].ToUpperInvariant();

    private async Task<(ShopHarness Shop, Guid User, long Product)> FundedShopAsync()
    {
        var shop = await CreateShopAsync(inventory: 20);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        return (shop, user, await shop.ProductIdAsync(1005));
    }

    /// <summary>The hold exactly as <see cref="ExternalProxyShop.PurchaseAsync"/> takes it (same key and request).</summary>
    private static async Task<LedgerResult> HoldAsync(ShopHarness shop, Guid user, string orderId) =>
        await shop.Ledger.HoldAsync(new LedgerHold(user, LedgerAsset.Usd, 200, ExternalProxyShop.HoldKey(orderId), $"External proxy {orderId}",
            shop.Clock.GetUtcNow() + ExternalProxyShop.HoldLifetime, orderId, "purchase"));

    /// <summary>Reserve, hold, record the hold and mark the order buying: a crash right before the provider call.</summary>
    private static async Task<string> BuyingOrderAsync(ShopHarness shop, Guid user, long product)
    {
        var orderId = NewOrderId();
        (await shop.Orders.ReserveAsync(orderId, user, product, 200, default)).Succeeded.ShouldBeTrue();
        var hold = await HoldAsync(shop, user, orderId);
        (await shop.Orders.SetHeldAsync(orderId, hold.TransferId!.Value, default)).ShouldBeTrue();
        (await shop.Orders.StartBuyingAsync(orderId, default)).ShouldBeTrue();
        return orderId;
    }

    private static async Task ShouldBeFailedAndReleasedAsync(ShopHarness shop, Guid user, string orderId, long product)
    {
        (await shop.Shop.GetOrderAsync(user, orderId))!.State.ShouldBe(ExternalOrderStates.Failed);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        (await shop.ItemStateAsync(product)).ShouldBe("available");
        (await shop.ListAsync()).Items.ShouldContain(i => i.ProductId == product);
        await ShouldBeSettledAsync(shop, user);
    }

    private static async Task ShouldBeCompletedFromTheProviderAsync(ShopHarness shop, Guid user, string orderId, long product)
    {
        var order = (await shop.Shop.GetOrderAsync(user, orderId))!;
        order.State.ShouldBe(ExternalOrderStates.Completed);
        var sold = shop.Provider.Purchased(null).ShouldHaveSingleItem();
        order.Credentials.ShouldNotBeNull();
        (order.Credentials.Ip, order.Credentials.Port, order.Credentials.Login, order.Credentials.Password, order.Credentials.CredentialsId)
            .ShouldBe((sold.Ip, sold.Port, sold.Login, sold.Password, sold.CredentialsId));
        (await shop.BalanceAsync(user)).ShouldBe(800, "charged exactly once");
        (await shop.ItemStateAsync(product)).ShouldBe("sold");
        (await shop.CountAsync("SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'post'")).ShouldBe(1);
        await ShouldBeSettledAsync(shop, user);

        // A second round finds nothing left to do and charges nothing more.
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(0);
        (await shop.BalanceAsync(user)).ShouldBe(800);
    }

    private static async Task ShouldBeSettledAsync(ShopHarness shop, Guid user)
    {
        (await shop.PendingHoldsAsync(user)).ShouldBe(0, "no pending hold is left");
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_orders WHERE state IN ('reserved', 'held', 'buying', 'delivered')")).ShouldBe(0);
        await shop.ShouldBalanceAsync();
    }
}

public sealed class SqlitePurchaseContractTests() : PurchaseContractTests(TestEngine.Sqlite);

public sealed class PostgresPurchaseContractTests() : PurchaseContractTests(TestEngine.Postgres);

/// <summary>The same contract when the ledger cannot join the shop's transactions (one commit per step).</summary>
public sealed class SqliteStandaloneLedgerPurchaseContractTests() : PurchaseContractTests(TestEngine.Sqlite, standaloneLedger: true);

/// <summary>The same contract when the ledger cannot join the shop's transactions (one commit per step).</summary>
public sealed class PostgresStandaloneLedgerPurchaseContractTests() : PurchaseContractTests(TestEngine.Postgres, standaloneLedger: true);
