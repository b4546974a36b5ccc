using ProxyKit.ExternalSocks.Orders;
using ProxyKit.ProviderEmulator;
using ProxyKit.Testing.Storage;

namespace ProxyKit.ExternalSocks.Tests.Shop;

/// <summary>Batch purchases: reservation and payment all-or-nothing; each sale settled on its own after that.</summary>
public abstract class BatchPurchaseContractTests(TestEngine engine, bool standaloneLedger = false) : ShopContractTestBase(engine, standaloneLedger)
{
    [SkippableFact]
    public async Task PurchaseMany_Covered_CompletesEachAndChargesEach()
    {
        var shop = await CreateShopAsync(inventory: 20);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        long[] products = [await shop.ProductIdAsync(1003), await shop.ProductIdAsync(1004), await shop.ProductIdAsync(1005)];

        var bought = await shop.Shop.PurchaseManyAsync(user, products);

        bought.Succeeded.ShouldBeTrue(bought.Error?.ToString());
        bought.Value!.Select(o => o.ProductId).ShouldBe(products);
        bought.Value!.ShouldAllBe(o => o.State == ExternalOrderStates.Completed && o.Credentials != null);
        (await shop.BalanceAsync(user)).ShouldBe(400);
        shop.Provider.Snapshot().Sold.ShouldBe(3);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task PurchaseMany_NotCoveredOrOneUnavailable_NothingReservedOrCharged()
    {
        var shop = await CreateShopAsync(inventory: 20);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 500);
        long[] three = [await shop.ProductIdAsync(1003), await shop.ProductIdAsync(1004), await shop.ProductIdAsync(1005)];

        var poor = await shop.Shop.PurchaseManyAsync(user, three);

        poor.Error!.Code.ShouldBe(ExternalSocksErrorCodes.InsufficientFunds);
        (await shop.BalanceAsync(user)).ShouldBe(500);
        (await shop.PendingHoldsAsync(user)).ShouldBe(0);
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_inventory WHERE state <> 'available'")).ShouldBe(0, "every reservation was returned");

        var other = Guid.NewGuid();
        await shop.FundAsync(other, 1000);
        (await shop.Shop.PurchaseAsync(other, three[2])).Succeeded.ShouldBeTrue();
        var withSold = await shop.Shop.PurchaseManyAsync(user, [three[0], three[2]]);

        withSold.Error!.Code.ShouldBe(ExternalSocksErrorCodes.ProductUnavailable);
        withSold.Error.Details!["product_id"].ShouldBe(three[2]);
        (await shop.ItemStateAsync(three[0])).ShouldBe("available", "the batch reserved nothing");
        (await shop.BalanceAsync(user)).ShouldBe(500);
        shop.Provider.Snapshot().Sold.ShouldBe(1);
        (await shop.Shop.PurchaseManyAsync(user, [])).Error!.Code.ShouldBe(ExternalSocksErrorCodes.InvalidRequest);
        (await shop.Shop.PurchaseManyAsync(user, [three[0], three[0]])).Error!.Code.ShouldBe(ExternalSocksErrorCodes.InvalidRequest);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task PurchaseMany_ProviderRefusesOne_OnlyTheOthersAreCharged()
    {
        var shop = await CreateShopAsync(inventory: 20);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        long[] products = [await shop.ProductIdAsync(1003), await shop.ProductIdAsync(1004)];
        shop.Provider.SetProxyStatus(1004, 0); // sold out at the provider after our sync

        var bought = await shop.Shop.PurchaseManyAsync(user, products);

        bought.Succeeded.ShouldBeTrue(bought.Error?.ToString());
        bought.Value![0].State.ShouldBe(ExternalOrderStates.Completed);
        bought.Value[1].State.ShouldBe(ExternalOrderStates.Failed);
        bought.Value[1].Credentials.ShouldBeNull();
        (await shop.BalanceAsync(user)).ShouldBe(800, "only the delivered proxy is charged");
        (await shop.PendingHoldsAsync(user)).ShouldBe(0);
        await shop.ShouldBalanceAsync();
    }
}

public sealed class SqliteBatchPurchaseContractTests() : BatchPurchaseContractTests(TestEngine.Sqlite);

public sealed class PostgresBatchPurchaseContractTests() : BatchPurchaseContractTests(TestEngine.Postgres);

/// <summary>The same contract when the ledger cannot join the shop's transactions (one commit per step).</summary>
public sealed class SqliteStandaloneLedgerBatchPurchaseContractTests() : BatchPurchaseContractTests(TestEngine.Sqlite, standaloneLedger: true);

/// <summary>The same contract when the ledger cannot join the shop's transactions (one commit per step).</summary>
public sealed class PostgresStandaloneLedgerBatchPurchaseContractTests() : BatchPurchaseContractTests(TestEngine.Postgres, standaloneLedger: true);
