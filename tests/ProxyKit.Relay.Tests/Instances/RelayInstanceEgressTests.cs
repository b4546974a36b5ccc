using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Instances;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Relay.Tests.Instances;

/// <summary>Instances end to end as root: AnyIP-routed documentation prefix, real clients, a target that reports the source it saw.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RelayInstanceEgressTests
{
    [SkippableFact]
    public async Task Instances_EachEgressesFromItsOwnFreshAddress_ThroughSocks5AndHttp()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), "needs root to add a target address and a local route (ip -6 addr/route add)");
        await using var lease = HostAddresses.CreateLease();
        var targetAddress = lease.Address(0x20);
        await lease.AddAsync(targetAddress);
        var instancePrefix = lease.SubPrefix(1);
        await using var server = TestHttpServer.Start(targetAddress);
        await using var test = await TestDatabase.CreateAsync(TestEngine.Sqlite);
        await new MigrationRunner(test.Database, [MigrationModule.FromAssembly("relay", typeof(RelayInstanceManager).Assembly)], TimeProvider.System).RunAsync();
        var assigner = new LinuxAnyIpAssigner(instancePrefix);
        var services = new ServiceCollection().AddProxyKitRelay().Services.BuildServiceProvider();
        var options = new RelayInstanceOptions();
        options.Prefixes["lo"] = instancePrefix.ToString();
        await using var manager = new RelayInstanceManager(
            test.Database,
            new PersistentAddressAllocator(test.Database, Options.Create(new AddressAllocatorOptions()), TimeProvider.System),
            assigner,
            services.GetRequiredService<IRelayListenerFactory>(),
            Options.Create(options),
            TimeProvider.System);
        try
        {
            var seen = new List<(IPAddress Instance, IPAddress Source)>();
            for (var i = 0; i < 10; i++)
            {
                var instance = (await manager.CreateAsync(RelayInstanceType.Both, "lo")).Instance.ShouldNotBeNull();
                foreach (var proxy in new[] { $"socks5://{instance.Socks5EndPoint}", $"http://{instance.HttpEndPoint}" })
                {
                    using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(proxy), UseProxy = true }) { Timeout = TimeSpan.FromSeconds(10) };
                    var body = await client.GetStringAsync(server.Url("/source"));
                    seen.Add((instance.Address, IPAddress.Parse(body)));
                }
            }

            seen.ShouldAllBe(s => s.Source.Equals(s.Instance), "the target sees exactly the instance's address");
            seen.Select(s => s.Source).Distinct().Count().ShouldBe(10, "ten instances, ten distinct source addresses");
            seen.ShouldAllBe(s => instancePrefix.Contains(s.Source));
        }
        finally
        {
            await manager.DeleteAllAsync();
            await assigner.RemoveRouteAsync();
        }
    }

    [SkippableFact]
    public async Task CreateAsync_NoConfiguredPrefix_TakesTheInterfacesOwnGlobalPrefixAndAssignsThere()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), "needs root to create a veth pair and assign addresses");
        var id = System.Security.Cryptography.RandomNumberGenerator.GetHexString(6, lowercase: true);
        var link = $"pkd{id}";
        var prefix = IPNetwork.Parse($"2001:db8:d:{System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, 0xffff):x}::/64");
        (await ProcessRunner.RunAsync("ip", ["link", "add", link, "type", "veth", "peer", "name", $"pke{id}"])).ExitCode.ShouldBe(0);
        try
        {
            (await ProcessRunner.RunAsync("ip", ["-6", "addr", "add", $"{prefix.BaseAddress}1/64", "dev", link, "nodad"])).ExitCode.ShouldBe(0);
            (await ProcessRunner.RunAsync("ip", ["link", "set", link, "up"])).ExitCode.ShouldBe(0);
            await using var test = await TestDatabase.CreateAsync(TestEngine.Sqlite);
            await new MigrationRunner(test.Database, [MigrationModule.FromAssembly("relay", typeof(RelayInstanceManager).Assembly)], TimeProvider.System).RunAsync();
            var services = new ServiceCollection().AddProxyKitRelay().Services.BuildServiceProvider();
            await using var manager = new RelayInstanceManager(
                test.Database,
                new PersistentAddressAllocator(test.Database, Options.Create(new AddressAllocatorOptions()), TimeProvider.System),
                new LinuxIpCommandAssigner(TimeSpan.FromMinutes(2)),
                services.GetRequiredService<IRelayListenerFactory>(),
                Options.Create(new RelayInstanceOptions()),
                TimeProvider.System);

            var created = await manager.CreateAsync(RelayInstanceType.Socks5, link);
            var unknown = await manager.CreateAsync(RelayInstanceType.Socks5, "pknone0");

            var instance = created.Instance.ShouldNotBeNull(created.Message);
            prefix.Contains(instance.Address).ShouldBeTrue();
            (await ProcessRunner.RunAsync("ip", ["-6", "addr", "show", "dev", link])).StandardOutput.ShouldContain($"{instance.Address}/128");
            unknown.Error.ShouldBe(nameof(AddressAssignmentError.InterfaceNotFound));
            unknown.IsClientError.ShouldBeTrue();
            (await manager.DeleteAsync(instance.Id)).ShouldBeTrue();
            (await ProcessRunner.RunAsync("ip", ["-6", "addr", "show", "dev", link])).StandardOutput.ShouldNotContain($"{instance.Address}/128");
        }
        finally
        {
            await ProcessRunner.RunAsync("ip", ["link", "del", link]);
        }
    }

    [SkippableFact]
    public async Task RestoreAsync_AddressesOrphanedByACrash_RemovedButOthersKept()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), "needs root to create a veth pair and assign addresses");
        var id = System.Security.Cryptography.RandomNumberGenerator.GetHexString(6, lowercase: true);
        var link = $"pko{id}";
        var prefix = IPNetwork.Parse($"2001:db8:f:{System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, 0xffff):x}::/64");
        (await ProcessRunner.RunAsync("ip", ["link", "add", link, "type", "veth", "peer", "name", $"pkq{id}"])).ExitCode.ShouldBe(0);
        try
        {
            (await ProcessRunner.RunAsync("ip", ["link", "set", link, "up"])).ExitCode.ShouldBe(0);
            var assigner = new LinuxIpCommandAssigner(TimeSpan.FromMinutes(2));
            var orphan = IPAddress.Parse($"{prefix.BaseAddress}dead:beef");
            var operatorsOwn = IPAddress.Parse($"{prefix.BaseAddress}1");
            (await assigner.AssignAsync(link, orphan)).Succeeded.ShouldBeTrue(); // as a crashed host would have left it
            (await ProcessRunner.RunAsync("ip", ["-6", "addr", "add", $"{operatorsOwn}/128", "dev", link, "nodad"])).ExitCode.ShouldBe(0);
            await using var test = await TestDatabase.CreateAsync(TestEngine.Sqlite);
            await new MigrationRunner(test.Database, [MigrationModule.FromAssembly("relay", typeof(RelayInstanceManager).Assembly)], TimeProvider.System).RunAsync();
            var services = new ServiceCollection().AddProxyKitRelay().Services.BuildServiceProvider();
            var options = new RelayInstanceOptions();
            options.Prefixes[link] = prefix.ToString();
            await using var manager = new RelayInstanceManager(
                test.Database,
                new PersistentAddressAllocator(test.Database, Options.Create(new AddressAllocatorOptions()), TimeProvider.System),
                assigner,
                services.GetRequiredService<IRelayListenerFactory>(),
                Options.Create(options),
                TimeProvider.System);
            var live = (await manager.CreateAsync(RelayInstanceType.Socks5, link)).Instance.ShouldNotBeNull();

            await manager.RestoreAsync();

            var shown = (await ProcessRunner.RunAsync("ip", ["-6", "addr", "show", "dev", link])).StandardOutput;
            shown.ShouldNotContain($"{orphan}/128");
            shown.ShouldContain($"{operatorsOwn}/128", customMessage: "an address the operator configured is never touched");
            shown.ShouldContain($"{live.Address}/128", customMessage: "a live instance keeps its address");
        }
        finally
        {
            await ProcessRunner.RunAsync("ip", ["link", "del", link]);
        }
    }
}
