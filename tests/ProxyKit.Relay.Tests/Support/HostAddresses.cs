using System.Net;
using System.Security.Cryptography;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>
/// Documentation-prefix (2001:db8::/32) addresses added to the host's <c>lo</c> for one test (root only) and removed
/// again on dispose. Each lease takes a random /64 under 2001:db8:7::/48, so parallel or repeated runs do not collide.
/// </summary>
internal sealed class HostAddresses : IAsyncDisposable
{
    private readonly List<string> _undo = [];

    private HostAddresses(IPNetwork prefix) => Prefix = prefix;

    /// <summary>The random /64 this lease works in.</summary>
    public IPNetwork Prefix { get; }

    public static HostAddresses CreateLease()
    {
        var random = RandomNumberGenerator.GetInt32(1, 0xFFFF);
        return new HostAddresses(IPNetwork.Parse($"2001:db8:7:{random:x}::/64"));
    }

    /// <summary>The address with host part <paramref name="suffix"/> inside <see cref="Prefix"/>.</summary>
    public IPAddress Address(int suffix)
    {
        var bytes = Prefix.BaseAddress.GetAddressBytes();
        bytes[14] = (byte)(suffix >> 8);
        bytes[15] = (byte)suffix;
        return new IPAddress(bytes);
    }

    /// <summary>The /80 <c>PREFIX:index::/80</c> inside <see cref="Prefix"/> (disjoint from <see cref="Address"/>'s for index != 0).</summary>
    public IPNetwork SubPrefix(int index)
    {
        var bytes = Prefix.BaseAddress.GetAddressBytes();
        bytes[8] = (byte)(index >> 8);
        bytes[9] = (byte)index;
        return new IPNetwork(new IPAddress(bytes), 80);
    }

    /// <summary>Adds <paramref name="address"/>/128 to lo without duplicate address detection.</summary>
    public async Task AddAsync(IPAddress address)
    {
        await RunAsync(["-6", "addr", "add", $"{address}/128", "dev", "lo", "nodad"]);
        _undo.Add($"-6 addr del {address}/128 dev lo");
    }

    /// <summary>Routes <paramref name="network"/> (inside <see cref="Prefix"/>) to this host (AnyIP), as rotating egress needs.</summary>
    public async Task RouteLocalAsync(IPNetwork network)
    {
        Prefix.Contains(network.BaseAddress).ShouldBeTrue("leases only touch their own prefix");
        await RunAsync(["-6", "route", "add", "local", network.ToString(), "dev", "lo"]);
        _undo.Add($"-6 route del local {network} dev lo");
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            await ProcessRunner.RunAsync("ip", _undo[i].Split(' '));
        }
    }

    private static async Task RunAsync(string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("ip", arguments);
        result.ExitCode.ShouldBe(0, $"ip {string.Join(' ', arguments)}: {result.StandardError}");
    }
}
