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
}
