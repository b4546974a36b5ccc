using ProxyKit.ExternalSocks.Orders;
using ProxyKit.Testing.Storage;

namespace ProxyKit.ExternalSocks.Tests.Shop;

/// <summary>Refunds (one hour, offline only, once) and the sales statistics, on the manual clock, on both engines.</summary>
public abstract class RefundContractTests(TestEngine engine) : ShopContractTestBase(engine)
{
    [SkippableFact]
    public async Task Refund_OfflineAt59Minutes_RefundsOnce_BalanceRestored()
    {
        var (shop, user) = await FundedShopAsync(1000);
        var order = await BuyAsync(shop, user, 1000);
        shop.Provider.SetPurchasedStatus(order.Credentials!.CredentialsId, 0).ShouldBeTrue();
        shop.Clock.Advance(TimeSpan.FromMinutes(59));

        var refund = await shop.Shop.RefundAsync(user, order.OrderId);

        refund.Succeeded.ShouldBeTrue(refund.Error?.ToString());
        refund.Value!.State.ShouldBe(ExternalOrderStates.Refunded);
        refund.Value.RefundedAt!.Value.ShouldBe(shop.Clock.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        (await shop.Shop.RefundAsync(user, order.OrderId)).Error!.Code.ShouldBe(ExternalSocksErrorCodes.AlreadyRefunded);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        shop.Shop.IsRefundable(refund.Value).ShouldBeFalse();
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task Refund_At61Minutes_WindowExpired_NotRefunded()
    {
        var (shop, user) = await FundedShopAsync(1000);
        var order = await BuyAsync(shop, user, 1001);
        shop.Provider.SetPurchasedStatus(order.Credentials!.CredentialsId, 0);
        shop.Clock.Advance(TimeSpan.FromMinutes(61));

        var refund = await shop.Shop.RefundAsync(user, order.OrderId);

        refund.Error!.Code.ShouldBe(ExternalSocksErrorCodes.RefundWindowExpired);
        shop.Shop.IsRefundable(order).ShouldBeFalse();
        (await shop.BalanceAsync(user)).ShouldBe(800);
        (await shop.Shop.GetOrderAsync(user, order.OrderId))!.State.ShouldBe(ExternalOrderStates.Completed);
    }

    [SkippableFact]
    public async Task Refund_ProxyOnline_Refused_OtherUsersOrUnknownOrder_NotFound()
    {
        var (shop, user) = await FundedShopAsync(1000);
        var order = await BuyAsync(shop, user, 1002);
        shop.Clock.Advance(TimeSpan.FromMinutes(10));

        var online = await shop.Shop.RefundAsync(user, order.OrderId);
        shop.Provider.SetPurchasedStatus(order.Credentials!.CredentialsId, 0);
        var stranger = await shop.Shop.RefundAsync(Guid.NewGuid(), order.OrderId);
        var unknown = await shop.Shop.RefundAsync(user, "ORD-00000000000000000000");

        online.Error!.Code.ShouldBe(ExternalSocksErrorCodes.ProxyOnline);
        stranger.Error!.Code.ShouldBe(ExternalSocksErrorCodes.OrderNotFound);
        unknown.Error!.Code.ShouldBe(ExternalSocksErrorCodes.OrderNotFound);
        (await shop.BalanceAsync(user)).ShouldBe(800);
        (await shop.Shop.RefundAsync(user, order.OrderId)).Succeeded.ShouldBeTrue("still refundable by its buyer");
        (await shop.BalanceAsync(user)).ShouldBe(1000);
    }

    [SkippableFact]
    public async Task Refund_16AtOnce_ExactlyOneSucceeds_RefundedOnceInTheLedger_StatsCorrect()
    {
        var (shop, user) = await FundedShopAsync(1000);
        var refunded = await BuyAsync(shop, user, 1003);
        var kept = await BuyAsync(shop, user, 1004);
        var expired = await BuyAsync(shop, user, 1005);
        shop.Provider.SetPurchasedStatus(refunded.Credentials!.CredentialsId, 0);
        shop.Clock.Advance(TimeSpan.FromMinutes(30));

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => shop.Shop.RefundAsync(user, refunded.OrderId))));

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == ExternalSocksErrorCodes.AlreadyRefunded);
        (await shop.BalanceAsync(user)).ShouldBe(1000 - 600 + 200);
        (await shop.CountAsync("SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'refund'")).ShouldBe(1);
        await shop.ShouldBalanceAsync();

        var stats = await shop.Catalog.GetStatisticsAsync();
        stats.TotalSold.ShouldBe(3);
        stats.TotalRefunded.ShouldBe(1);
        stats.RevenueCents.ShouldBe(400, "completed and not refunded");
        var listing = await shop.ListAsync();
        stats.TotalInventory.ShouldBe(listing.Total);
        stats.TotalInventory.ShouldBe(17);
        stats.CountriesAvailable.ShouldBe(listing.Items.Select(i => i.CountryCode).Distinct().Count());
        stats.LastSync.ShouldNotBeNull();
        (kept.State, expired.State).ShouldBe((ExternalOrderStates.Completed, ExternalOrderStates.Completed));
    }

    [SkippableFact]
    public async Task Refund_ClaimedButNotFinished_TheReconcilerFinishesItOnce()
    {
        var (shop, user) = await FundedShopAsync(1000);
        var order = await BuyAsync(shop, user, 1006);
        (await shop.Orders.ClaimRefundAsync(order.OrderId, user, shop.Clock.GetUtcNow() - ExternalProxyShop.RefundWindow, default)).ShouldBeTrue();

        (await shop.Shop.RefundAsync(user, order.OrderId)).Error!.Code.ShouldBe(ExternalSocksErrorCodes.AlreadyRefunded);
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(1);

        (await shop.Shop.GetOrderAsync(user, order.OrderId))!.State.ShouldBe(ExternalOrderStates.Refunded);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        (await shop.ReconcileAfterGraceAsync()).ShouldBe(0);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        await shop.ShouldBalanceAsync();
    }

    private async Task<(ShopHarness Shop, Guid User)> FundedShopAsync(long cents)
    {
        var shop = await CreateShopAsync(inventory: 20);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, cents);
        return (shop, user);
    }

    private static async Task<ExternalOrder> BuyAsync(ShopHarness shop, Guid user, long providerProxyId)
    {
        var result = await shop.Shop.PurchaseAsync(user, await shop.ProductIdAsync(providerProxyId));
        result.Succeeded.ShouldBeTrue(result.Error?.ToString());
        result.Value!.State.ShouldBe(ExternalOrderStates.Completed);
        return result.Value;
    }
}

public sealed class SqliteRefundContractTests() : RefundContractTests(TestEngine.Sqlite);

public sealed class PostgresRefundContractTests() : RefundContractTests(TestEngine.Postgres);
