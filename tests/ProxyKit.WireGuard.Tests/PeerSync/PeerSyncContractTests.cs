using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.PeerSync;

/// <summary>What every <see cref="IWireGuardPeerSync"/> must do, run against each implementation.</summary>
public abstract class PeerSyncContractTests : IAsyncLifetime
{
    private static readonly X25519KeyGenerator Keys = new();

    /// <summary>Interfaces and processes to remove after the test.</summary>
    protected List<IAsyncDisposable> Cleanup { get; } = [];

    protected abstract IWireGuardPeerSync Sync { get; }

    /// <summary>Creates an empty interface for this test (skipping, or failing under CI, without its prerequisites).</summary>
    protected abstract Task<string> CreateInterfaceAsync();

    /// <summary>Reads the interface's public key and listen port by other means than <see cref="Sync"/>.</summary>
    protected abstract Task<(WireGuardPublicKey PublicKey, int ListenPort)> ReadInterfaceAsync(string interfaceName);

    /// <summary>Skips (fails under CI) when <see cref="Sync"/> cannot even run here; for the missing-interface test.</summary>
    protected virtual Task RequireToolsAsync() => Task.CompletedTask;

    /// <summary>Whether configuring a missing interface creates it (in memory) rather than failing.</summary>
    protected virtual bool ConfigureCreatesInterface => false;

    [SkippableFact]
    public async Task ConfigureInterface_SetsPrivateKeyAndListenPort()
    {
        var name = await CreateInterfaceAsync();
        var server = Keys.Generate();
        var port = FreeUdpPort();

        await Sync.ConfigureInterfaceAsync(name, server.PrivateKey, port);

        var (publicKey, listenPort) = await ReadInterfaceAsync(name);
        publicKey.ShouldBe(server.PublicKey);
        listenPort.ShouldBe(port);
    }

    [SkippableFact]
    public async Task GetInterface_BeforeAndAfterConfigure_ReportsTheKeysPublicHalfAndThePort()
    {
        var name = await CreateInterfaceAsync();
        var server = Keys.Generate();
        var port = FreeUdpPort();

        var before = await Sync.GetInterfaceAsync(name);
        await Sync.ConfigureInterfaceAsync(name, server.PrivateKey, port);
        var after = await Sync.GetInterfaceAsync(name);

        before.PublicKey.ShouldBeNull("a new interface has no private key");
        before.ListenPort.ShouldNotBe(port);
        after.PublicKey.ShouldBe(server.PublicKey);
        after.ListenPort.ShouldBe(port);
        after.ToString().ShouldNotContain(server.PrivateKey.ToBase64());
    }

    [SkippableFact]
    public async Task Apply_ThreePeers_ReadBackWithTheirAllowedIpsAndNoHandshake()
    {
        var name = await CreateConfiguredInterfaceAsync();
        var peers = Peers(3);

        await Sync.ApplyAsync(name, peers, []);

        var read = await Sync.GetPeersAsync(name);
        read.Count.ShouldBe(3);
        foreach (var peer in peers)
        {
            var status = read.Single(p => p.PublicKey == peer.PublicKey);
            status.AllowedIps.ShouldBe([peer.AllowedIp]);
            status.LatestHandshake.ShouldBeNull();
            status.ReceivedBytes.ShouldBe(0);
            status.SentBytes.ShouldBe(0);
            status.Endpoint.ShouldBeNull();
        }
    }

    [SkippableFact]
    public async Task Apply_UpsertOfAnExistingPeer_ReplacesItsAllowedIp()
    {
        var name = await CreateConfiguredInterfaceAsync();
        var peers = Peers(3);
        await Sync.ApplyAsync(name, peers, []);

        var moved = peers[1] with { AllowedIp = IPNetwork.Parse("10.9.1.77/32") };
        await Sync.ApplyAsync(name, [moved], []);

        var read = await Sync.GetPeersAsync(name);
        read.Count.ShouldBe(3);
        read.Single(p => p.PublicKey == moved.PublicKey).AllowedIps.ShouldBe([moved.AllowedIp]);
        read.Single(p => p.PublicKey == peers[0].PublicKey).AllowedIps.ShouldBe([peers[0].AllowedIp]);
    }

    [SkippableFact]
    public async Task Apply_Remove_RemovesOnlyThatPeer_AndAnUnknownKeyIsNoError()
    {
        var name = await CreateConfiguredInterfaceAsync();
        var peers = Peers(3);
        await Sync.ApplyAsync(name, peers, []);

        await Sync.ApplyAsync(name, [], [peers[0].PublicKey, Keys.Generate().PublicKey]);

        (await Sync.GetPeersAsync(name)).Select(p => p.PublicKey).ToHashSet()
            .SetEquals([peers[1].PublicKey, peers[2].PublicKey]).ShouldBeTrue();
    }

    [SkippableFact]
    public async Task Apply_UpsertsAndRemovalsTogether_AppliesBoth()
    {
        var name = await CreateConfiguredInterfaceAsync();
        var first = Peers(2);
        await Sync.ApplyAsync(name, first, []);

        var second = Peers(2, offset: 10);
        await Sync.ApplyAsync(name, second, [first[0].PublicKey]);

        (await Sync.GetPeersAsync(name)).Select(p => p.PublicKey).ToHashSet()
            .SetEquals([first[1].PublicKey, second[0].PublicKey, second[1].PublicKey]).ShouldBeTrue();
    }

    [SkippableFact]
    public async Task Apply_250PeersInOneCall_AllReadBack()
    {
        var name = await CreateConfiguredInterfaceAsync();
        var peers = Peers(250);

        await Sync.ApplyAsync(name, peers, []);

        var read = (await Sync.GetPeersAsync(name)).ToDictionary(p => p.PublicKey);
        read.Count.ShouldBe(250);
        foreach (var peer in peers)
        {
            read[peer.PublicKey].AllowedIps.ShouldBe([peer.AllowedIp]);
        }
    }

    [SkippableFact]
    public async Task MissingInterface_ThrowsNamingIt_WithoutThePrivateKey()
    {
        await RequireToolsAsync();
        var name = "pkwg" + RandomNumberGenerator.GetHexString(8, lowercase: true);
        var server = Keys.Generate();

        var get = await Should.ThrowAsync<WireGuardInterfaceException>(() => Sync.GetPeersAsync(name));
        var apply = await Should.ThrowAsync<WireGuardInterfaceException>(() => Sync.ApplyAsync(name, Peers(1), []));
        var failures = new List<WireGuardInterfaceException> { get, apply };
        if (!ConfigureCreatesInterface)
        {
            failures.Add(await Should.ThrowAsync<WireGuardInterfaceException>(() => Sync.ConfigureInterfaceAsync(name, server.PrivateKey, FreeUdpPort())));
        }

        foreach (var ex in failures)
        {
            ex.InterfaceName.ShouldBe(name);
            ex.Message.ShouldContain(name);
            ex.ToString().ShouldNotContain(server.PrivateKey.ToBase64());
            ex.ToString().ShouldNotContain(server.PrivateKey.ToHex(), Case.Insensitive);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(Cleanup))
        {
            await item.DisposeAsync();
        }
    }

    protected static WireGuardPeer[] Peers(int count, int offset = 0) =>
        [.. Enumerable.Range(offset, count).Select(i => new WireGuardPeer(Keys.Generate().PublicKey, IPNetwork.Parse($"10.8.{i / 250}.{(i % 250) + 2}/32")))];

    protected static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private async Task<string> CreateConfiguredInterfaceAsync()
    {
        var name = await CreateInterfaceAsync();
        await Sync.ConfigureInterfaceAsync(name, Keys.Generate().PrivateKey, FreeUdpPort());
        return name;
    }
}
