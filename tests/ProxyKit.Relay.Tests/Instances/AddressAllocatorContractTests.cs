using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Relay.Tests.Instances;

public abstract class AddressAllocatorContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private static readonly IPNetwork Slash64 = IPNetwork.Parse("2001:db8:1:2::/64");

    [SkippableFact]
    public async Task AllocateAsync_1000FromA64_AllDistinctInsideAndNoneReserved()
    {
        var (allocator, _) = await CreateAsync();

        var addresses = new List<IPAddress>();
        for (var i = 0; i < 1000; i++)
        {
            addresses.Add(await allocator.AllocateAsync(Slash64));
        }

        addresses.Distinct().Count().ShouldBe(1000);
        addresses.ShouldAllBe(a => Slash64.Contains(a));
        addresses.ShouldNotContain(Slash64.BaseAddress);
        (await allocator.GetCapacityAsync(Slash64)).Issued.ShouldBe((UInt128)1000);
    }

    [SkippableFact]
    public async Task AllocateAsync_TwoHostsRacing_NeverHandOutTheSameAddress()
    {
        var test = await CreateDatabaseAsync();
        await MigrateAsync(test.Database);
        await using var otherHost = test.OpenAnotherHost();
        var hosts = new[] { Allocator(test.Database, new ManualTimeProvider()), Allocator(otherHost, new ManualTimeProvider()) };
        var taken = new ConcurrentBag<IPAddress>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            taken.Add(await hosts[i % 2].AllocateAsync(Slash64, ct)));

        taken.Count.ShouldBe(200);
        taken.Distinct().Count().ShouldBe(200);
    }

    [SkippableFact]
    public async Task AllocateAsync_AfterRestart_ContinuesTheSameSequenceWithoutRepeats()
    {
        var (first, database) = await CreateAsync();
        var before = new List<IPAddress>();
        for (var i = 0; i < 20; i++)
        {
            before.Add(await first.AllocateAsync(Slash64));
        }

        var restarted = Allocator(database, new ManualTimeProvider());
        var after = await restarted.AllocateAsync(Slash64);

        before.ShouldNotContain(after);
        (await restarted.GetCapacityAsync(Slash64)).Issued.ShouldBe((UInt128)21);
    }

    [SkippableFact]
    public async Task AllocateAsync_SmallPrefixExhausted_RecyclesOnlyAfterTheQuarantine()
    {
        var clock = new ManualTimeProvider();
        var (allocator, _) = await CreateAsync(clock, o => o.Quarantine = TimeSpan.FromHours(1));
        var prefix = IPNetwork.Parse("2001:db8:9::/120");
        var fresh = new List<IPAddress>();
        while (true)
        {
            try
            {
                fresh.Add(await allocator.AllocateAsync(prefix));
            }
            catch (ProxyKitException ex)
            {
                ex.Message.ShouldContain("exhausted");
                break;
            }
        }

        fresh.Count.ShouldBe(255, "256 host values minus the all-zero one");
        fresh.Distinct().Count().ShouldBe(255);
        await allocator.ReleaseAsync(prefix, fresh[10]);
        await Should.ThrowAsync<ProxyKitException>(async () => await allocator.AllocateAsync(prefix));
        (await allocator.GetCapacityAsync(prefix)).Released.ShouldBe(1);

        clock.Advance(TimeSpan.FromHours(1));
        (await allocator.AllocateAsync(prefix)).ShouldBe(fresh[10]);
        (await allocator.GetCapacityAsync(prefix)).Released.ShouldBe(0);
        await Should.ThrowAsync<ProxyKitException>(async () => await allocator.AllocateAsync(prefix));
    }

    [SkippableFact]
    public async Task AllocateAsync_Routed56WithDistinctSubnets_EachAddressInItsOwn64()
    {
        var (allocator, _) = await CreateAsync();
        var prefix = IPNetwork.Parse("2001:db8:ab00::/56");

        var addresses = new List<IPAddress>();
        for (var i = 0; i < 100; i++)
        {
            addresses.Add(await allocator.AllocateAsync(prefix));
        }

        addresses.ShouldAllBe(a => prefix.Contains(a));
        addresses.Select(a => new IPNetwork(a, 64).BaseAddress).Distinct().Count().ShouldBe(100, "no two instances share a /64");
        (await allocator.GetCapacityAsync(prefix)).Total.ShouldBe((UInt128)256);
    }

    [SkippableFact]
    public async Task AllocateAndRelease_BadPrefixOrForeignAddress_Throw()
    {
        var (allocator, _) = await CreateAsync();

        await Should.ThrowAsync<ArgumentException>(async () => await allocator.AllocateAsync(IPNetwork.Parse("10.0.0.0/8")));
        await Should.ThrowAsync<ArgumentException>(async () => await allocator.AllocateAsync(IPNetwork.Parse("2001:db8::/124")));
        await Should.ThrowAsync<ArgumentException>(async () => await allocator.ReleaseAsync(Slash64, IPAddress.Parse("2001:db8:ffff::1")));
    }

    private async Task<(IIPv6AddressAllocator Allocator, ProxyKitDatabase Database)> CreateAsync(ManualTimeProvider? clock = null, Action<AddressAllocatorOptions>? configure = null)
    {
        var database = await CreateProxyKitDatabaseAsync();
        await MigrateAsync(database);
        return (Allocator(database, clock ?? new ManualTimeProvider(), configure), database);
    }

    private static Task MigrateAsync(ProxyKitDatabase database) =>
        new MigrationRunner(database, [MigrationModule.FromAssembly("relay", typeof(IIPv6AddressAllocator).Assembly)], TimeProvider.System).RunAsync();

    private static PersistentAddressAllocator Allocator(ProxyKitDatabase database, TimeProvider clock, Action<AddressAllocatorOptions>? configure = null)
    {
        var options = new AddressAllocatorOptions();
        configure?.Invoke(options);
        return new PersistentAddressAllocator(database, Options.Create(options), clock);
    }
}

public sealed class SqliteAddressAllocatorTests() : AddressAllocatorContractTests(TestEngine.Sqlite);

public sealed class PostgresAddressAllocatorTests() : AddressAllocatorContractTests(TestEngine.Postgres);
