using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ProviderEmulator;
using ProxyKit.Testing.Storage;

namespace ProxyKit.ExternalSocks.Tests.Shop;

/// <summary>Inventory sync and listing against the provider emulator over real HTTP, on both engines.</summary>
public abstract class InventoryContractTests(TestEngine engine) : ShopContractTestBase(engine)
{
    [SkippableFact]
    public async Task Sync_1000Items_AddsAll_ThenSkipsAll_ThenRemovesTheOneTakenOffline()
    {
        var shop = await CreateShopAsync(inventory: 1000);

        var first = await shop.SyncAsync();
        shop.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await shop.SyncAsync();
        shop.Provider.SetProxyStatus(1005, 0).ShouldBeTrue();
        shop.Clock.Advance(TimeSpan.FromMinutes(5));
        var third = await shop.SyncAsync();

        (first.Added, first.Updated, first.Skipped, first.Removed, first.Complete, first.TotalFetched, first.TotalAvailableExternal)
            .ShouldBe((1000, 0, 0, 0, true, 1000, 1000));
        first.Error.ShouldBeNull();
        (second.Added, second.Updated, second.Skipped, second.Removed, second.Complete).ShouldBe((0, 0, 1000, 0, true));
        (third.Added, third.Updated, third.Skipped, third.Removed, third.Complete, third.TotalFetched).ShouldBe((0, 0, 999, 1, true, 999));
        (await shop.InventoryRowsAsync()).ShouldBe(999);
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_inventory WHERE provider_proxy_id = 1005")).ShouldBe(0);
        (await shop.ListAsync()).Total.ShouldBe(999);
        var last = await shop.Catalog.GetLastSyncAsync();
        last.ShouldNotBeNull();
        last.SyncTime.ShouldBe(shop.Clock.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        (last.Removed, last.Complete).ShouldBe((1, true));
    }

    [SkippableFact]
    public async Task Sync_Provider500OnPage2_IncompleteAndNothingRemoved_StatsKeepTheLastCompleteSync()
    {
        var shop = await CreateShopAsync(inventory: 1000);
        await shop.SyncAsync();
        var completeAt = shop.Clock.GetUtcNow();
        shop.Provider.SetProxyStatus(1001, 0); // missing from the partial listing's first page
        shop.Provider.SetProxyStatus(1500, 0); // on a page never fetched
        shop.Provider.SetFaults(new EmulatorFaults { ListFailAfterPages = 1 });
        shop.Clock.Advance(TimeSpan.FromMinutes(5));

        var partial = await shop.SyncAsync(pageSize: 100);

        partial.Complete.ShouldBeFalse();
        partial.Removed.ShouldBe(0);
        partial.TotalFetched.ShouldBe(100);
        partial.Error.ShouldNotBeNullOrWhiteSpace();
        (await shop.InventoryRowsAsync()).ShouldBe(1000, "an incomplete listing removes nothing");
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_inventory WHERE provider_proxy_id IN (1001, 1500)")).ShouldBe(2);
        var last = await shop.Catalog.GetLastSyncAsync();
        last!.Complete.ShouldBeFalse("the last sync, complete or not, is readable");
        last.SyncTime.ShouldBe(shop.Clock.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        var stats = await shop.Catalog.GetStatisticsAsync();
        stats.LastSync.ShouldNotBeNull();
        stats.LastSync.Value.ShouldBe(completeAt, TimeSpan.FromMilliseconds(1), "stats report the last complete sync only");
    }

    [SkippableFact]
    public async Task Sync_TruncatedPages_IncompleteAndNothingRemoved()
    {
        var shop = await CreateShopAsync(inventory: 300);
        await shop.SyncAsync();
        shop.Provider.SetProxyStatus(1299, 0);
        shop.Provider.SetFaults(new EmulatorFaults { TruncatePages = true });

        var truncated = await shop.SyncAsync(pageSize: 100);

        truncated.Complete.ShouldBeFalse();
        truncated.Removed.ShouldBe(0);
        truncated.TotalFetched.ShouldBeLessThan(299);
        (await shop.InventoryRowsAsync()).ShouldBe(300);
    }

    [SkippableFact]
    public async Task Sync_Provider500OnTheFirstPage_IncompleteWithNothingFetchedAndNothingRemoved()
    {
        var shop = await CreateShopAsync(inventory: 50);
        await shop.SyncAsync();
        shop.Provider.SetProxyStatus(1010, 0);
        shop.Provider.SetFaults(new EmulatorFaults { ListStatus = 500 });

        var failed = await shop.SyncAsync();

        failed.Complete.ShouldBeFalse();
        (failed.TotalFetched, failed.Added, failed.Removed).ShouldBe((0, 0, 0));
        failed.Error.ShouldNotBeNullOrWhiteSpace();
        (await shop.InventoryRowsAsync()).ShouldBe(50);
        (await shop.ListAsync()).Total.ShouldBe(50);
    }

    [SkippableFact]
    public async Task Sync_ReservedAndSoldItems_AreNeverRemoved_EvenWhenNoLongerListed()
    {
        var shop = await CreateShopAsync(inventory: 20);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        var sold = await shop.ProductIdAsync(1000);
        var reserved = await shop.ProductIdAsync(1001);
        var available = await shop.ProductIdAsync(1002);
        (await shop.Shop.PurchaseAsync(user, sold)).Value!.State.ShouldBe("completed"); // the provider stops listing it
        (await shop.Orders.ReserveAsync("ORD-reserved-only-0000", user, reserved, 200, default)).Succeeded.ShouldBeTrue();
        shop.Provider.SetProxyStatus(1001, 0);
        shop.Provider.SetProxyStatus(1002, 0);

        var result = await shop.SyncAsync();
        var cleanup = await shop.Catalog.CleanupAsync();

        result.Complete.ShouldBeTrue();
        result.Removed.ShouldBe(1, "only the available item the provider no longer lists");
        (await shop.ItemStateAsync(sold)).ShouldBe("sold");
        (await shop.ItemStateAsync(reserved)).ShouldBe("reserved");
        (await shop.ItemStateAsync(available)).ShouldBeNull();
        cleanup.ShouldBe(0);
        (await shop.InventoryRowsAsync()).ShouldBe(19);
    }

    [SkippableFact]
    public async Task Sync_ByCountry_RemovesOnlyWithinThatCountry()
    {
        var shop = await CreateShopAsync(inventory: 200);
        await shop.SyncAsync();
        var all = shop.Provider.List(null, null, null, 0, 1000, false).Items;
        var us = all.First(p => p.CountryCode == "US");
        var de = all.First(p => p.CountryCode == "DE");
        var usOnline = all.Count(p => p.CountryCode == "US");
        shop.Provider.SetProxyStatus(us.ProxyId, 0);
        shop.Provider.SetProxyStatus(de.ProxyId, 0);

        var byCountry = await shop.SyncAsync(country: "us");

        byCountry.Complete.ShouldBeTrue();
        byCountry.TotalFetched.ShouldBe(usOnline - 1);
        byCountry.Removed.ShouldBe(1);
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_inventory WHERE provider_proxy_id = @p", ("p", us.ProxyId))).ShouldBe(0);
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_inventory WHERE provider_proxy_id = @p", ("p", de.ProxyId))).ShouldBe(1);
        (await shop.InventoryRowsAsync()).ShouldBe(199);

        var full = await shop.SyncAsync();
        full.Removed.ShouldBe(1);
        (await shop.InventoryRowsAsync()).ShouldBe(198);
    }

    [SkippableFact]
    public async Task Sync_TwoAtOnce_OneIsRefusedWithSyncInProgress_NeverTwoRunning()
    {
        var shop = await CreateShopAsync(inventory: 50);
        shop.Provider.SetFaults(new EmulatorFaults { ListLatencyMs = 500 });

        var results = await Task.WhenAll(
            Task.Run(() => shop.Catalog.SyncAsync(null, 100)),
            Task.Run(() => shop.Catalog.SyncAsync(null, 100)));

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Single(r => !r.Succeeded).Error!.Code.ShouldBe(ExternalSocksErrorCodes.SyncInProgress);
        results.Single(r => r.Succeeded).Value!.Added.ShouldBe(50);
        (await shop.InventoryRowsAsync()).ShouldBe(50);
        (await shop.CountAsync("SELECT COUNT(*) FROM extsocks_sync_runs")).ShouldBe(1);

        shop.Provider.SetFaults(new EmulatorFaults());
        (await shop.SyncAsync()).Skipped.ShouldBe(50, "the lock was released");
    }

    [SkippableFact]
    public async Task Sync_ChangedDetails_CountedAsUpdatedAndRestoredFromTheProvider()
    {
        var shop = await CreateShopAsync(inventory: 30);
        await shop.SyncAsync();
        var product = await shop.ProductIdAsync(1007);
        var speed = await shop.ScalarAsync("SELECT speed FROM extsocks_inventory WHERE id = @id", ("id", product));
        await shop.ExecuteAsync("UPDATE extsocks_inventory SET speed = 1, city = 'Nowhere' WHERE id = @id", ("id", product));

        var result = await shop.SyncAsync();

        (result.Added, result.Updated, result.Skipped, result.Removed).ShouldBe((0, 1, 29, 0));
        (await shop.ScalarAsync("SELECT speed FROM extsocks_inventory WHERE id = @id", ("id", product))).ShouldBe(speed);
        (await shop.ProductIdAsync(1007)).ShouldBe(product, "the product id is stable across syncs");
    }

    [SkippableFact]
    public async Task Purchase_SoldOutAtTheProvider_Unavailable_ItemMarkedOffline_ThenCleanupRemovesIt()
    {
        var shop = await CreateShopAsync(inventory: 10);
        await shop.SyncAsync();
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        var product = await shop.ProductIdAsync(1003);
        shop.Provider.SetProxyStatus(1003, 0); // gone at the provider, not yet synced

        var result = await shop.Shop.PurchaseAsync(user, product);

        result.Error!.Code.ShouldBe(ExternalSocksErrorCodes.ProductUnavailable);
        (await shop.BalanceAsync(user)).ShouldBe(1000);
        (await shop.PendingHoldsAsync()).ShouldBe(0);
        (await shop.ListAsync()).Items.ShouldNotContain(i => i.ProductId == product);
        (await shop.Catalog.GetStatisticsAsync()).TotalInventory.ShouldBe(9);
        (await shop.Catalog.CleanupAsync()).ShouldBe(1);
        (await shop.Catalog.CleanupAsync()).ShouldBe(0);
        (await shop.InventoryRowsAsync()).ShouldBe(9);
        await shop.ShouldBalanceAsync();
    }

    [SkippableFact]
    public async Task List_FiltersPagingAndTotal_OnlyAvailableAndOnlineItems()
    {
        var shop = await CreateShopAsync(inventory: 300);
        await shop.SyncAsync();
        var truth = shop.Provider.List(null, null, null, 0, 1000, false).Items;

        async Task ShouldMatch(InventoryQuery query, Func<EmulatedProxy, bool> predicate)
        {
            var page = await shop.ListAsync(query with { PageSize = 500 });
            var expected = truth.Where(predicate).Select(p => p.ProxyId).Order().ToList();
            expected.Count.ShouldBeGreaterThan(0, $"the seed has items for {query}");
            page.Total.ShouldBe(expected.Count, query.ToString());
            page.Items.Select(i => i.ProxyId).Order().ToList().ShouldBe(expected, query.ToString());
        }

        await ShouldMatch(new InventoryQuery { CountryCode = "de" }, p => p.CountryCode == "DE");
        await ShouldMatch(new InventoryQuery { City = "berlin" }, p => p.City == "Berlin");
        await ShouldMatch(new InventoryQuery { Type = "mobile" }, p => p.Mobile);
        await ShouldMatch(new InventoryQuery { Type = "hosting" }, p => p.Hosting && !p.Mobile);
        await ShouldMatch(new InventoryQuery { Type = "residential" }, p => !p.Mobile && !p.Hosting);
        await ShouldMatch(new InventoryQuery { Isp = "telekom" }, p => p.Isp.Contains("Telekom", StringComparison.Ordinal));
        await ShouldMatch(new InventoryQuery { MinSpeed = 500 }, p => p.Speed >= 500);
        await ShouldMatch(new InventoryQuery { CountryCode = "US", Type = "residential", MinSpeed = 300 },
            p => p.CountryCode == "US" && p.Type == "residential" && p.Speed >= 300);

        // Paging: pages of 7 cover everything once, in product id order, each reporting the same total.
        var seen = new List<InventoryItem>();
        for (var pageNumber = 0; ; pageNumber++)
        {
            var page = await shop.ListAsync(new InventoryQuery { Page = pageNumber, PageSize = 7 });
            page.Total.ShouldBe(300);
            (page.Page, page.PageSize).ShouldBe((pageNumber, 7));
            if (page.Items.Count == 0)
            {
                break;
            }

            page.Items.Count.ShouldBeLessThanOrEqualTo(7);
            seen.AddRange(page.Items);
        }

        seen.Count.ShouldBe(300);
        seen.Select(i => i.ProductId).ShouldBe(seen.Select(i => i.ProductId).Order().ToList());
        seen.Select(i => i.ProxyId).Distinct().Count().ShouldBe(300);
        var sample = seen.First(i => i.ProxyId == truth[0].ProxyId);
        (sample.Country, sample.CountryCode, sample.City, sample.Isp, sample.Speed, sample.Type, sample.Status)
            .ShouldBe((truth[0].Country, truth[0].CountryCode, truth[0].City, truth[0].Isp, (int?)truth[0].Speed, truth[0].Type, 1));

        // Only available and online: a sold, a reserved and an offline item leave the listing.
        var user = Guid.NewGuid();
        await shop.FundAsync(user, 1000);
        (await shop.Shop.PurchaseAsync(user, seen[0].ProductId)).Value!.State.ShouldBe("completed");
        (await shop.Orders.ReserveAsync("ORD-list-reserved-00000", user, seen[1].ProductId, 200, default)).Succeeded.ShouldBeTrue();
        await shop.ExecuteAsync("UPDATE extsocks_inventory SET provider_status = 0 WHERE id = @id", ("id", seen[2].ProductId));
        var after = await shop.ListAsync();
        after.Total.ShouldBe(297);
        after.Items.Select(i => i.ProductId).ShouldNotContain(seen[0].ProductId);
        after.Items.Select(i => i.ProductId).ShouldNotContain(seen[1].ProductId);
        after.Items.Select(i => i.ProductId).ShouldNotContain(seen[2].ProductId);
        (await shop.Catalog.GetStatisticsAsync()).TotalInventory.ShouldBe(297);

        (await shop.Catalog.ListAsync(new InventoryQuery { PageSize = 0 })).Error!.Code.ShouldBe(ExternalSocksErrorCodes.InvalidRequest);
        (await shop.Catalog.ListAsync(new InventoryQuery { Type = "satellite" })).Error!.Code.ShouldBe(ExternalSocksErrorCodes.InvalidRequest);
        (await shop.Catalog.ListAsync(new InventoryQuery { Page = -1 })).Error!.Code.ShouldBe(ExternalSocksErrorCodes.InvalidRequest);
    }
}

public sealed class SqliteInventoryContractTests() : InventoryContractTests(TestEngine.Sqlite);

public sealed class PostgresInventoryContractTests() : InventoryContractTests(TestEngine.Postgres);
