using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Addressing;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LinuxAssignerTests
{
    private const string NotRoot = "needs root (CAP_NET_ADMIN) to create a veth pair and change its addresses";

    [SkippableTheory]
    [InlineData("")]
    [InlineData("-6")]
    [InlineData("eth0 nodad")]
    [InlineData("waytoolonginterfacename")]
    [InlineData("a/b")]
    public async Task AssignAsync_InvalidInterfaceName_ThrowsBeforeRunningAnything(string name)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Linux only");
        var assigner = new LinuxIpCommandAssigner(TimeSpan.FromMinutes(5));

        await Should.ThrowAsync<ArgumentException>(async () => await assigner.AssignAsync(name, IPAddress.Parse("2001:db8::1")));
    }

    [SkippableFact]
    public async Task AssignRenewUnassign_OnARealLink_AddressUsableAtOnceExpiresAndGoes()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), NotRoot);
        await using var link = await VethLink.CreateAsync();
        var assigner = new LinuxIpCommandAssigner(TimeSpan.FromSeconds(120));
        var address = IPAddress.Parse($"{link.Prefix.BaseAddress}abcd");

        var assigned = await assigner.AssignAsync(link.Name, address);

        assigned.Succeeded.ShouldBeTrue(assigned.Message);
        using (var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp))
        {
            Should.NotThrow(() => socket.Bind(new IPEndPoint(address, 0)), "nodad: no tentative state, bindable immediately");
        }

        var shown = await link.ShowAsync();
        shown.ShouldContain($"{address}/128");
        shown.ShouldContain("valid_lft 1"); // ~120 s, counting down: the kernel removes it if nobody renews
        shown.ShouldContain("preferred_lft 0sec");
        (await assigner.RenewAsync(link.Name, address)).Succeeded.ShouldBeTrue();
        (await assigner.AssignAsync(link.Name, address)).Error.ShouldBe(AddressAssignmentError.DuplicateAddress);
        (await assigner.GetGlobalPrefixesAsync(link.Name)).ShouldContain(link.Prefix);

        (await assigner.UnassignAsync(link.Name, address)).Succeeded.ShouldBeTrue();
        (await link.ShowAsync()).ShouldNotContain($"{address}/128");
        (await assigner.UnassignAsync(link.Name, address)).Succeeded.ShouldBeTrue("removing an absent address succeeds");
    }

    [SkippableFact]
    public async Task AssignAsync_UnknownInterface_InterfaceNotFound()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), NotRoot);
        var assigner = new LinuxIpCommandAssigner(TimeSpan.FromMinutes(5));

        var result = await assigner.AssignAsync("pknothere0", IPAddress.Parse("2001:db8::1"));

        result.Error.ShouldBe(AddressAssignmentError.InterfaceNotFound);
        result.Message!.ShouldContain("pknothere0");
    }

    [SkippableFact]
    public async Task AnyIp_PrefixRoutedToLoopback_EveryAddressUsableAsSourceWithoutPerAddressWork()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), NotRoot);
        var prefix = IPNetwork.Parse($"2001:db8:a{RandomNumberGenerator.GetInt32(0x100, 0xfff):x}:{RandomNumberGenerator.GetInt32(1, 0xffff):x}::/64");
        var assigner = new LinuxAnyIpAssigner(prefix);
        using var target = new TcpListener(IPAddress.IPv6Loopback, 0);
        target.Start();
        try
        {
            for (var i = 1; i <= 5; i++)
            {
                var address = IPAddress.Parse($"{prefix.BaseAddress}{RandomNumberGenerator.GetInt32(1, 0xffff):x}:{i:x}");
                (await assigner.AssignAsync("lo", address)).Succeeded.ShouldBeTrue();

                // A connection from the address gets its replies back only through the local route.
                using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
                SocketOutboundConnector.Bind(socket, AddressFamily.InterNetworkV6, new EgressOptions { Address = address, FreeBind = true });
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.ConnectAsync((IPEndPoint)target.LocalEndpoint, timeout.Token);
                using var accepted = await target.AcceptSocketAsync(timeout.Token);
                ((IPEndPoint)accepted.RemoteEndPoint!).Address.ShouldBe(address);
            }

            (await assigner.AssignAsync("lo", IPAddress.Parse("2001:db8:ffff::1"))).Error.ShouldBe(AddressAssignmentError.PrefixNotRouted);
        }
        finally
        {
            await assigner.RemoveRouteAsync();
        }
    }

    /// <summary>A veth pair (both ends in this namespace) with a documentation /64 on one end.</summary>
    private sealed class VethLink : IAsyncDisposable
    {
        private VethLink(string name, IPNetwork prefix)
        {
            Name = name;
            Prefix = prefix;
        }

        public string Name { get; }

        public IPNetwork Prefix { get; }

        public static async Task<VethLink> CreateAsync()
        {
            var id = RandomNumberGenerator.GetHexString(6, lowercase: true);
            var link = new VethLink($"pka{id}", IPNetwork.Parse($"2001:db8:c:{RandomNumberGenerator.GetInt32(1, 0xffff):x}::/64"));
            await Ip("link", "add", link.Name, "type", "veth", "peer", "name", $"pkb{id}");
            await Ip("-6", "addr", "add", $"{link.Prefix.BaseAddress}1/64", "dev", link.Name, "nodad");
            await Ip("link", "set", link.Name, "up");
            await Ip("link", "set", $"pkb{id}", "up");
            return link;
        }

        public async Task<string> ShowAsync() => (await ProcessRunner.RunAsync("ip", ["-6", "addr", "show", "dev", Name])).StandardOutput;

        public async ValueTask DisposeAsync() => await ProcessRunner.RunAsync("ip", ["link", "del", Name]);

        private static async Task Ip(params string[] arguments)
        {
            var result = await ProcessRunner.RunAsync("ip", arguments);
            result.ExitCode.ShouldBe(0, $"ip {string.Join(' ', arguments)}: {result.StandardError}");
        }
    }
}
