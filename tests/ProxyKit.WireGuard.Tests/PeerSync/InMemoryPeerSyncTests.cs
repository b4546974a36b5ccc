using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.PeerSync;

/// <summary>The contract in memory (interfaces exist once configured), plus its test hooks.</summary>
public sealed class InMemoryPeerSyncTests : PeerSyncContractTests
{
    private readonly InMemoryPeerSync _sync = new(autoCreate: false);

    protected override IWireGuardPeerSync Sync => _sync;

    protected override bool ConfigureCreatesInterface => true;

    [Fact]
    public async Task AutoCreate_EveryInterfaceExistsEmpty()
    {
        var sync = new InMemoryPeerSync();

        (await sync.GetPeersAsync("wg0")).ShouldBeEmpty();
        await sync.ApplyAsync("wg1", Peers(2), []);

        (await sync.GetPeersAsync("wg1")).Count.ShouldBe(2);
        sync.GetInterface("wg1").ShouldBeNull();
    }

    [Fact]
    public async Task RecordActivity_IsReported_AndKeptAcrossAnUpsert()
    {
        var sync = new InMemoryPeerSync();
        var peer = Peers(1)[0];
        await sync.ApplyAsync("wg0", [peer], []);
        var handshake = new DateTimeOffset(2025, 11, 20, 10, 0, 0, TimeSpan.Zero);

        sync.RecordActivity("wg0", peer.PublicKey, handshake, 1234, 5678);
        await sync.ApplyAsync("wg0", [peer with { AllowedIp = System.Net.IPNetwork.Parse("10.8.9.9/32") }], []);

        var status = (await sync.GetPeersAsync("wg0")).ShouldHaveSingleItem();
        status.LatestHandshake.ShouldBe(handshake);
        status.ReceivedBytes.ShouldBe(1234);
        status.SentBytes.ShouldBe(5678);
        status.AllowedIps.ShouldBe([System.Net.IPNetwork.Parse("10.8.9.9/32")]);
    }

    [Fact]
    public void RecordActivity_UnknownPeer_Throws() =>
        Should.Throw<InvalidOperationException>(() => new InMemoryPeerSync().RecordActivity("wg0", new X25519KeyGenerator().Generate().PublicKey, null, 0, 0));

    [Fact]
    public async Task ApplyCount_CountsCalls_NotPeers()
    {
        var sync = new InMemoryPeerSync();

        await sync.ApplyAsync("wg0", Peers(250), []);
        await sync.ApplyAsync("wg0", [], []);

        sync.ApplyCount.ShouldBe(2);
    }

    [Fact]
    public async Task ConcurrentApplies_LoseNothing()
    {
        var sync = new InMemoryPeerSync();
        var batches = Enumerable.Range(0, 16).Select(i => Peers(20, offset: i * 20)).ToArray();

        await Task.WhenAll(batches.Select(batch => Task.Run(() => sync.ApplyAsync("wg0", batch, []))));

        (await sync.GetPeersAsync("wg0")).Count.ShouldBe(320);
        sync.ApplyCount.ShouldBe(16);
    }

    protected override async Task<string> CreateInterfaceAsync()
    {
        var name = "wg" + Random.Shared.Next(1000);
        await _sync.ConfigureInterfaceAsync(name, new X25519KeyGenerator().Generate().PrivateKey, 51820);
        _sync.Restart(name); // exists, but like a fresh wireguard-go: no key, no port
        return name;
    }

    protected override Task<(WireGuardPublicKey PublicKey, int ListenPort)> ReadInterfaceAsync(string interfaceName) =>
        Task.FromResult(_sync.GetInterface(interfaceName) ?? throw new InvalidOperationException("not configured"));
}
