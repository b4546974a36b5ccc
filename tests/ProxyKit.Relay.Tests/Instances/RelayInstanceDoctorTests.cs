using System.Net;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Instances;

namespace ProxyKit.Relay.Tests.Instances;

public sealed class RelayInstanceDoctorTests
{
    private const string NotRoot = "needs root on Linux to create a network namespace";

    [Fact]
    public async Task NoneAssigner_MissingInterface_FailsNamingItAndNeedsNoPrivilege()
    {
        var checks = await Doctor(new NullAddressAssigner(), ("pknosuch1", "2001:db8:5::/64")).RunAsync();

        Find(checks, "interface:pknosuch1").Status.ShouldBe(OperatingSystem.IsLinux() ? HostCheckStatus.Fail : HostCheckStatus.Ok);
        if (OperatingSystem.IsLinux())
        {
            Find(checks, "privileges").Status.ShouldBe(HostCheckStatus.Ok);
            Find(checks, "privileges").Detail.ShouldContain("no privilege is needed");
        }
    }

    [Fact]
    public async Task PlatformProviders_AreRunToo()
    {
        var checks = await Doctor(new NullAddressAssigner(), [new StaticProvider(new HostCheck("firewall", HostCheckStatus.Warn, "outbound blocked"))]).RunAsync();

        Find(checks, "firewall").Status.ShouldBe(HostCheckStatus.Warn);
    }

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task LinuxAssigner_OnLinkPrefix_Ok_RoutedPrefix_WarnsToUseAnyIp()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", NotRoot);
        await using var space = await NetworkNamespace.CreateAsync();
        var linux = new LinuxIpCommandAssigner(TimeSpan.FromMinutes(1));

        var onLink = await Doctor(linux, (space.HostLink, space.Prefix.ToString())).RunAsync();
        var routed = await Doctor(linux, (space.HostLink, "2001:db8:aa::/64")).RunAsync();

        Find(onLink, "privileges").Status.ShouldBe(HostCheckStatus.Ok);
        Find(onLink, "ipv6").Status.ShouldBe(HostCheckStatus.Ok);
        Find(onLink, $"interface:{space.HostLink}").Status.ShouldBe(HostCheckStatus.Ok);
        Find(onLink, $"prefix:{space.HostLink}").Status.ShouldBe(HostCheckStatus.Ok);
        Find(onLink, $"prefix:{space.HostLink}").Detail.ShouldContain("on-link");
        Find(routed, $"prefix:{space.HostLink}").Status.ShouldBe(HostCheckStatus.Warn);
        Find(routed, $"prefix:{space.HostLink}").Detail.ShouldContain("AnyIp");
    }

    private static HostCheck Find(IReadOnlyList<HostCheck> checks, string name) =>
        checks.SingleOrDefault(c => c.Name == name) ?? throw new ShouldAssertException($"no check '{name}' among {string.Join(", ", checks.Select(c => c.Name))}");

    private static RelayInstanceDoctor Doctor(IAddressAssigner assigner, params (string Interface, string Prefix)[] prefixes) => Doctor(assigner, [], prefixes);

    private static RelayInstanceDoctor Doctor(IAddressAssigner assigner, IHostCheckProvider[] providers, params (string Interface, string Prefix)[] prefixes)
    {
        var options = new RelayInstanceOptions();
        foreach (var (name, prefix) in prefixes)
        {
            options.Prefixes[name] = prefix;
        }

        return new RelayInstanceDoctor(assigner, Options.Create(options), providers);
    }

    private sealed class StaticProvider(HostCheck check) : IHostCheckProvider
    {
        public Task<IReadOnlyList<HostCheck>> RunAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<HostCheck>>([check]);
    }
}
