using ProxyKit.Accounts.Keys;

namespace ProxyKit.Accounts.Tests.Keys;

public sealed class ApiKeyCacheTests
{
    [Fact]
    public void Set_BeyondCapacity_StaysWithinCapacity()
    {
        var cache = new ApiKeyCache(100);

        for (var i = 0; i < 1_000; i++)
        {
            cache.Set(Entry(expiresAt: 1_000), nowTicks: 0);
            cache.Count.ShouldBeLessThanOrEqualTo(100);
        }
    }

    [Fact]
    public void Set_OverCapacity_EvictsExpiredEntriesFirst()
    {
        var cache = new ApiKeyCache(100);
        var live = Enumerable.Range(0, 60).Select(_ => Entry(expiresAt: 1_000)).ToList();
        for (var i = 0; i < 41; i++)
        {
            cache.Set(Entry(expiresAt: 10), nowTicks: 0);
        }

        foreach (var entry in live)
        {
            cache.Set(entry, nowTicks: 500);
        }

        cache.Count.ShouldBe(60);
        live.All(e => cache.TryGet(e.Hash, 500, out _)).ShouldBeTrue();
    }

    [Fact]
    public void TryGet_AtOrAfterExpiry_Misses()
    {
        var cache = new ApiKeyCache(10);
        var entry = Entry(expiresAt: 100);
        cache.Set(entry, 0);

        cache.TryGet(entry.Hash, 99, out _).ShouldBeTrue();
        cache.TryGet(entry.Hash, 100, out _).ShouldBeFalse();
    }

    [Fact]
    public void RemoveKey_RemovesOnlyThatKeysEntry()
    {
        var cache = new ApiKeyCache(10);
        var first = Entry(expiresAt: 100);
        var second = Entry(expiresAt: 100);
        cache.Set(first, 0);
        cache.Set(second, 0);

        cache.RemoveKey(first.Identity.KeyId).ShouldBe(1);

        cache.TryGet(first.Hash, 0, out _).ShouldBeFalse();
        cache.TryGet(second.Hash, 0, out _).ShouldBeTrue();
        cache.Count.ShouldBe(1);
    }

    [Fact]
    public void TryClaimUseRecord_ManyCallersWithinOneInterval_OneWins()
    {
        var entry = Entry(expiresAt: 100);
        var wins = 0;

        Parallel.For(0, 1_000, _ => Interlocked.Add(ref wins, entry.TryClaimUseRecord(nowTicks: 500, intervalTicks: 60) ? 1 : 0));

        wins.ShouldBe(1);
        entry.TryClaimUseRecord(559, 60).ShouldBeFalse();
        entry.TryClaimUseRecord(560, 60).ShouldBeTrue();
    }

    private static ApiKeyCacheEntry Entry(long expiresAt)
    {
        var key = ApiKeyFormat.Generate();
        return new ApiKeyCacheEntry(KeyHash.Of(key), new ApiKeyIdentity("user", Guid.NewGuid().ToString("D"), key[..8]), expiresAt, 0);
    }
}
