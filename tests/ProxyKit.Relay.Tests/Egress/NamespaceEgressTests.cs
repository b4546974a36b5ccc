using System.Net;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Egress;

/// <summary>Egress across a real link to another network namespace ("another host"), as root.</summary>
public sealed class NamespaceEgressTests
{
    private const string NotRoot = "needs root to create a network namespace and a veth pair (ip netns add, ip link add)";

    [SkippableFact]
    public async Task StickyEgress_TargetInAnotherNamespace_SeesTheEgressAddressOverTheLink()
    {
        Skip.IfNot(await ProcessRunner.IsRootAsync(), NotRoot);
        await using var far = await NetworkNamespace.CreateAsync();
        var egress = far.At(0x10);
        await far.AddHostAddressAsync(egress);
        using var target = far.ListenInside(new IPEndPoint(far.FarAddress, 0));
        var targetEndPoint = new IPEndPoint(far.FarAddress, ((IPEndPoint)target.LocalEndPoint!).Port);
        await using var relay = TestRelay.Start(o =>
        {
            o.Egress.Policy = EgressAddressPolicy.IPv6Only;
            o.Egress.Address = egress;
        });

        var sources = new List<IPAddress>();
        for (var i = 0; i < 3; i++)
        {
            var (socket, reply) = await Socks5Client.HandshakeAsync(relay, Socks5Client.Request(Socks5Client.Connect, targetEndPoint));
            using var _ = socket;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var accepted = await target.AcceptAsync(timeout.Token);

            reply.Code.ShouldBe((byte)0x00);
            reply.Bound.Address.ShouldBe(egress);
            sources.Add(((IPEndPoint)accepted.RemoteEndPoint!).Address);
        }

        sources.ShouldAllBe(a => a.Equals(egress), "every connection leaves from the instance's address, across the link");
        far.Prefix.Contains(egress).ShouldBeTrue();
    }
}
