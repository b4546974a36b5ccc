using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProxyKit.Leasing;
using ProxyKit.Pool.Leasing;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Leasing;

/// <summary><see cref="ProxyLeaseService"/> over a real database and the real credit ledger.</summary>
public abstract class ProxyLeaseContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    private async Task<LeaseHarness> CreateAsync(Action<PoolOptions>? configure = null) =>
        Track(await LeaseHarness.CreateAsync(await CreateDatabaseAsync(), Clock, configure));

    [SkippableFact]
    public async Task AcquireAsync_SeveralMatch_LeasesTheBestScoringOneAndChargesOneCredit()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.1", 0.6);
        var best = await h.AddActiveAsync("203.0.113.2", 0.9);
        await h.AddActiveAsync("203.0.113.3", 0.95, country: "DE");
        var user = await h.UserWithCreditsAsync(5);

        var result = await h.Leases.AcquireAsync(user, new LeaseRequest { Country = "us", LeaseDurationSeconds = 120 });

        result.Error.ShouldBeNull();
        var lease = result.Value!;
        lease.Proxy.ProxyId.ShouldBe(best);
        lease.Proxy.Ip.ShouldBe("203.0.113.2");
        lease.Proxy.Country.ShouldBe("US");
        lease.Proxy.Anonymity.ShouldBe("elite");
        lease.Proxy.Username.ShouldBeNull();
        lease.ExpiresAt.ShouldBe(Start.AddSeconds(120));
        lease.CreditsRemaining.ShouldBe(4);
        lease.Replayed.ShouldBeFalse();
        (await h.BalanceAsync(user)).ShouldBe(4);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'posted'")).ShouldBe(1);
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases WHERE status = 'active' AND payment = 'posted'")).ShouldBe(1);
        (await h.Ledger.AuditAsync()).Problems.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task AcquireAsync_EachFilter_RespectedAndDefaultDurationApplied()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.1", 0.9, protocol: "http", country: "US", anonymity: "elite");
        await h.AddActiveAsync("203.0.113.2", 0.5, protocol: "socks5", country: "US", anonymity: "anonymous");
        await h.AddActiveAsync("203.0.113.3", 0.4, protocol: "https", country: "FR", anonymity: "transparent");
        var user = await h.UserWithCreditsAsync(10);

        (await h.Leases.AcquireAsync(user, new LeaseRequest { Protocol = "SOCKS5" })).Value!.Proxy.Ip.ShouldBe("203.0.113.2");
        (await h.Leases.AcquireAsync(user, new LeaseRequest { Anonymity = "transparent" })).Value!.Proxy.Ip.ShouldBe("203.0.113.3");
        var byScore = (await h.Leases.AcquireAsync(user, new LeaseRequest { MinScore = 0.8 })).Value!;
        byScore.Proxy.Ip.ShouldBe("203.0.113.1");
        byScore.ExpiresAt.ShouldBe(Start.AddSeconds(300));
    }

    [SkippableFact]
    public async Task AcquireAsync_NoMatchAllLeasedOrBadInput_RefusedWithoutCharging()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.1", 0.9);
        var dead = await h.AddActiveAsync("203.0.113.9", 0.99, country: "JP");
        await h.CountAsync("UPDATE pool_proxies SET status = 'dead' WHERE id = @id", ("id", dead));
        var user = await h.UserWithCreditsAsync(10);

        (await h.Leases.AcquireAsync(user, new LeaseRequest { Country = "JP" })).Error!.Code.ShouldBe(LeaseErrorCodes.NoMatchingProxy);
        (await h.Leases.AcquireAsync(user, new LeaseRequest { MinScore = 0.95 })).Error!.Code.ShouldBe(LeaseErrorCodes.NoMatchingProxy);
        (await h.Leases.AcquireAsync(user, new LeaseRequest())).Succeeded.ShouldBeTrue();
        (await h.Leases.AcquireAsync(user, new LeaseRequest())).Error!.Code.ShouldBe(LeaseErrorCodes.AllLeased);
        foreach (var bad in new LeaseRequest[]
        {
            new() { LeaseDurationSeconds = 0 }, new() { LeaseDurationSeconds = 3601 }, new() { Protocol = "ftp" },
            new() { Country = "USA" }, new() { Anonymity = "secret" }, new() { MinScore = 1.5 },
        })
        {
            (await h.Leases.AcquireAsync(user, bad)).Error!.Code.ShouldBe(PoolErrorCodes.InvalidRequest, bad.ToString());
        }

        (await h.BalanceAsync(user)).ShouldBe(9);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending'")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task AcquireAsync_NoCredits_InsufficientCreditsNothingLeasedNoHoldPending()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.1", 0.9);
        var user = await h.UserWithCreditsAsync(0);

        var result = await h.Leases.AcquireAsync(user, new LeaseRequest());

        result.Error!.Code.ShouldBe(LeaseErrorCodes.InsufficientCredits);
        result.Error.Message.ShouldBe("You need at least 1 credit to acquire a proxy. Current balance: 0.");
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases")).ShouldBe(0);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending'")).ShouldBe(0);
        (await h.BalanceAsync(user)).ShouldBe(0);
    }

    [SkippableFact]
    public async Task AcquireAsync_32ConcurrentFor10Proxies_Exactly10LeasesAnd10CreditsAnd22AllLeased()
    {
        var h = await CreateAsync();
        var proxies = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            proxies.Add(await h.AddActiveAsync($"203.0.113.{i + 1}", 0.5 + (i / 100.0)));
        }

        await h.AddActiveAsync("198.51.100.1", 0.99, country: "DE"); // does not match
        var users = new List<Guid>();
        for (var i = 0; i < 32; i++)
        {
            users.Add(await h.UserWithCreditsAsync(3));
        }

        using var start = new SemaphoreSlim(0);
        var racers = users.Select(async user =>
        {
            await start.WaitAsync();
            return (User: user, Result: await h.Leases.AcquireAsync(user, new LeaseRequest { Country = "US" }));
        }).ToList();
        start.Release(32);
        var results = await Task.WhenAll(racers);

        var won = results.Where(r => r.Result.Succeeded).ToList();
        won.Count.ShouldBe(10);
        results.Count(r => r.Result.Error?.Code == LeaseErrorCodes.AllLeased).ShouldBe(22);
        won.Select(r => r.Result.Value!.Proxy.ProxyId).Order().ShouldBe(proxies.Order());
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases WHERE status = 'active'")).ShouldBe(10);
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases")).ShouldBe(10);
        foreach (var (user, result) in results)
        {
            (await h.BalanceAsync(user)).ShouldBe(result.Succeeded ? 2 : 3);
        }

        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'posted'")).ShouldBe(10);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending'")).ShouldBe(0);
        (await h.Ledger.AuditAsync()).Problems.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task AcquireAsync_32ConcurrentWhileAllLeasesLapsed_ExpiresEachOnceAndLeasesEachProxyOnce()
    {
        var h = await CreateAsync();
        var users = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            await h.AddActiveAsync($"203.0.113.{i + 1}", 0.5 + (i / 100.0));
            var early = await h.UserWithCreditsAsync(1);
            (await h.Leases.AcquireAsync(early, new LeaseRequest { LeaseDurationSeconds = 60 })).Succeeded.ShouldBeTrue();
        }

        for (var i = 0; i < 32; i++)
        {
            users.Add(await h.UserWithCreditsAsync(1));
        }

        Clock.Advance(TimeSpan.FromSeconds(60));
        using var start = new SemaphoreSlim(0);
        var racers = users.Select(async user =>
        {
            await start.WaitAsync();
            return await h.Leases.AcquireAsync(user, new LeaseRequest());
        }).ToList();
        start.Release(32);
        var results = await Task.WhenAll(racers);

        results.Count(r => r.Succeeded).ShouldBe(10);
        results.Count(r => r.Error?.Code == LeaseErrorCodes.AllLeased).ShouldBe(22);
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases WHERE status = 'active'")).ShouldBe(10);
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases WHERE status = 'expired'")).ShouldBe(10);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'posted'")).ShouldBe(20);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending'")).ShouldBe(0);
        (await h.Ledger.AuditAsync()).Problems.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task ReleaseAsync_ByOwner_FreesTheProxyAtOnceWithoutRefund_ByAnotherUser_NotFound()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.1", 0.9);
        var owner = await h.UserWithCreditsAsync(2);
        var other = await h.UserWithCreditsAsync(2);
        var lease = (await h.Leases.AcquireAsync(owner, new LeaseRequest())).Value!;
        (await h.Leases.AcquireAsync(other, new LeaseRequest())).Error!.Code.ShouldBe(LeaseErrorCodes.AllLeased);

        (await h.Leases.ReleaseAsync(other, lease.LeaseId)).Error!.Code.ShouldBe(PoolErrorCodes.NotFound);
        (await h.Leases.ReleaseAsync(owner, Guid.CreateVersion7())).Error!.Code.ShouldBe(PoolErrorCodes.NotFound);
        Clock.Advance(TimeSpan.FromSeconds(10));
        var released = (await h.Leases.ReleaseAsync(owner, lease.LeaseId)).Value!;
        released.Status.ShouldBe("released");
        released.EndedAt.ShouldBe(Start.AddSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(10));
        (await h.Leases.ReleaseAsync(owner, lease.LeaseId)).Value.ShouldBe(released);

        (await h.Leases.AcquireAsync(other, new LeaseRequest())).Value!.Proxy.Ip.ShouldBe("203.0.113.1");
        (await h.BalanceAsync(owner)).ShouldBe(1);
        (await h.BalanceAsync(other)).ShouldBe(1);
    }

    [SkippableFact]
    public async Task Expiry_ExpiredLeaseNoLongerBlocks_AndTheReaperMarksItExpired()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.1", 0.9);
        await h.AddActiveAsync("203.0.113.2", 0.8, country: "DE");
        var first = await h.UserWithCreditsAsync(5);
        var second = await h.UserWithCreditsAsync(5);
        var old = (await h.Leases.AcquireAsync(first, new LeaseRequest { Country = "US", LeaseDurationSeconds = 60 })).Value!;
        var german = (await h.Leases.AcquireAsync(first, new LeaseRequest { Country = "DE", LeaseDurationSeconds = 60 })).Value!;
        (await h.Leases.AcquireAsync(second, new LeaseRequest { Country = "US" })).Error!.Code.ShouldBe(LeaseErrorCodes.AllLeased);

        Clock.Advance(TimeSpan.FromSeconds(61));
        var directory = h.Services.GetRequiredService<ILeaseDirectory>();
        (await directory.GetActiveLeasesAsync(first)).ShouldBeEmpty();

        // No reaper ran: the acquisition expires the lapsed lease itself.
        var fresh = (await h.Leases.AcquireAsync(second, new LeaseRequest { Country = "US" })).Value!;
        fresh.Proxy.Ip.ShouldBe("203.0.113.1");
        (await h.ScalarAsync("SELECT status FROM pool_leases WHERE id = @id", ("id", old.LeaseId.ToString("D")))).ShouldBe("expired");
        (await h.ScalarAsync("SELECT status FROM pool_leases WHERE id = @id", ("id", german.LeaseId.ToString("D")))).ShouldBe("active");

        var reaper = h.Services.GetServices<IHostedService>().OfType<LeaseReaperService>().SingleOrDefault()
            ?? ActivatorUtilities.CreateInstance<LeaseReaperService>(h.Services);
        (await reaper.ReapOnceAsync(CancellationToken.None)).ShouldBe(1);
        (await h.ScalarAsync("SELECT status FROM pool_leases WHERE id = @id", ("id", german.LeaseId.ToString("D")))).ShouldBe("expired");
        (await reaper.ReapOnceAsync(CancellationToken.None)).ShouldBe(0);
        (await h.Leases.ReleaseAsync(first, german.LeaseId)).Value!.Status.ShouldBe("expired");
        (await h.BalanceAsync(first)).ShouldBe(3);
    }

    [SkippableFact]
    public async Task AcquireAsync_SameIdempotencyKey_ReturnsTheSameLeaseAndChargesOnce()
    {
        var h = await CreateAsync();
        for (var i = 0; i < 4; i++)
        {
            await h.AddActiveAsync($"203.0.113.{i + 1}", 0.9 - (i / 10.0));
        }

        var user = await h.UserWithCreditsAsync(10);
        var request = new LeaseRequest { LeaseDurationSeconds = 600 };

        var first = (await h.Leases.AcquireAsync(user, request, "key-1")).Value!;
        var again = (await h.Leases.AcquireAsync(user, request, "key-1")).Value!;
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => h.Leases.AcquireAsync(user, request, "key-2")));

        again.LeaseId.ShouldBe(first.LeaseId);
        again.Replayed.ShouldBeTrue();
        again.Proxy.ShouldBe(first.Proxy);
        concurrent.ShouldAllBe(r => r.Succeeded);
        concurrent.Select(r => r.Value!.LeaseId).Distinct().Count().ShouldBe(1);
        (await h.Leases.AcquireAsync(user, request with { LeaseDurationSeconds = 60 }, "key-1")).Error!.Code.ShouldBe(LeaseErrorCodes.IdempotencyKeyReused);
        (await h.CountAsync("SELECT COUNT(*) FROM pool_leases")).ShouldBe(2);
        (await h.BalanceAsync(user)).ShouldBe(8);
        (await h.CountAsync("SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending'")).ShouldBe(0);
        (await h.Ledger.AuditAsync()).Problems.ShouldBeEmpty();

        var other = await h.UserWithCreditsAsync(1);
        (await h.Leases.AcquireAsync(other, request, "key-1")).Value!.LeaseId.ShouldNotBe(first.LeaseId);
    }

    [SkippableFact]
    public async Task AcquireAsync_ProxyWithCredentials_ReturnsThemDecrypted_AndDirectoryListsActiveLeases()
    {
        var h = await CreateAsync();
        await h.AddActiveAsync("203.0.113.7", 0.9, protocol: "socks5", username: "alice", password: "s3cret!");
        await h.AddActiveAsync("203.0.113.8", 0.5);
        var user = await h.UserWithCreditsAsync(3);

        var withCredentials = (await h.Leases.AcquireAsync(user, new LeaseRequest { LeaseDurationSeconds = 100 })).Value!;
        var plain = (await h.Leases.AcquireAsync(user, new LeaseRequest { LeaseDurationSeconds = 50 })).Value!;

        withCredentials.Proxy.Username.ShouldBe("alice");
        withCredentials.Proxy.Password.ShouldBe("s3cret!");
        withCredentials.Proxy.ToString().ShouldNotContain("s3cret!");
        plain.Proxy.HasCredentials.ShouldBeFalse();
        var listed = await h.Services.GetRequiredService<ILeaseDirectory>().GetActiveLeasesAsync(user);
        listed.Select(l => l.LeaseId).ShouldBe([plain.LeaseId, withCredentials.LeaseId]);
        listed[1].ShouldBe(new LeaseSummary(withCredentials.LeaseId, "203.0.113.7", 8080, "socks5", "US", "elite", Start, Start.AddSeconds(100)));
        await h.Leases.ReleaseAsync(user, plain.LeaseId);
        (await h.Services.GetRequiredService<ILeaseDirectory>().GetActiveLeasesAsync(user)).Select(l => l.LeaseId).ShouldBe([withCredentials.LeaseId]);
        (await h.Services.GetRequiredService<ILeaseDirectory>().GetActiveLeasesAsync(Guid.CreateVersion7())).ShouldBeEmpty();
    }
}

/// <summary>Lease wiring: the reaper registers once, and a host without a credit ledger refuses to lease.</summary>
public sealed class LeasingWiringTests() : PoolContractTestBase(TestEngine.Sqlite)
{
    [SkippableFact]
    public async Task AddLeaseReaper_Twice_RegistersOneReaper()
    {
        var services = new ServiceCollection().AddLogging();
        PoolHarness.Configure(services, (await CreateDatabaseAsync()).Database, Clock).AddLeaseReaper().AddLeaseReaper();
        await using var provider = services.BuildServiceProvider();

        provider.GetServices<IHostedService>().OfType<LeaseReaperService>().Count().ShouldBe(1);
        provider.GetRequiredService<ILeaseDirectory>().ShouldBeOfType<LeaseDirectory>();
    }

    [SkippableFact]
    public async Task AcquireAsync_NoCreditLedgerRegistered_ThrowsNamingAccounts()
    {
        var pool = await CreatePoolAsync();

        var thrown = await Should.ThrowAsync<InvalidOperationException>(() =>
            pool.Services.GetRequiredService<ProxyLeaseService>().AcquireAsync(Guid.CreateVersion7(), new LeaseRequest()));
        thrown.Message.ShouldContain("AddProxyKitAccounts");
    }
}

public sealed class SqliteProxyLeaseTests() : ProxyLeaseContractTests(TestEngine.Sqlite);

public sealed class PostgresProxyLeaseTests() : ProxyLeaseContractTests(TestEngine.Postgres);
