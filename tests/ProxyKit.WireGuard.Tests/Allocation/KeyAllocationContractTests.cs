using System.Net;
using ProxyKit.Testing.Storage;
using ProxyKit.WireGuard.Allocation;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;
using static ProxyKit.WireGuard.Tests.Allocation.WireGuardHarness;

namespace ProxyKit.WireGuard.Tests.Allocation;

/// <summary>
/// What <see cref="WireGuardKeyService"/> and the reconcile loop promise, against each SQL engine: concurrent allocations
/// never share a key or an address, capacity and per-client limits hold under races, the most free server is chosen,
/// releases are exactly-once and never hand a key out twice, addresses rest after release, idle keys are released,
/// interface drift is repaired, server keys persist, and nothing reports a private key.
/// </summary>
public abstract class KeyAllocationContractTests(TestEngine engine) : WireGuardContractTestBase(engine)
{
    private static readonly IPNetwork Subnet = IPNetwork.Parse("10.8.0.0/24");

    // 1
    [SkippableFact]
    public async Task Allocate_64ConcurrentClientsOnCapacity100_AllGetDistinctKeysAndAddressesAppliedAsHostRoutes()
    {
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 100)));

        var results = await RaceAsync(64, i => wg.Keys.AllocateAsync(Client(i)));

        results.ShouldAllBe(r => r.Succeeded, string.Join("; ", results.Where(r => !r.Succeeded).Select(r => r.Error!.ToString()).Distinct()));
        var allocations = results.Select(r => r.Value!).ToList();
        allocations.Select(a => a.PublicKey).Distinct().Count().ShouldBe(64, "no two allocations may share a public key");
        allocations.Select(a => a.InternalIp).Distinct().Count().ShouldBe(64, "no two allocations may share an address");
        foreach (var allocation in allocations)
        {
            Subnet.Contains(allocation.InternalIp).ShouldBeTrue($"{allocation.InternalIp} is outside 10.8.0.0/24");
            allocation.InternalIp.ShouldNotBeOneOf(IPAddress.Parse("10.8.0.0"), IPAddress.Parse("10.8.0.1"), IPAddress.Parse("10.8.0.255"));
            allocation.PrivateKey.PublicKey.ShouldBe(allocation.PublicKey, "the private key must derive the public key handed out");
            allocation.ServerIp.ShouldBe(ServerA);
            allocation.Existing.ShouldBeFalse();
        }

        var peers = await wg.PeersOnAsync();
        peers.Keys.ShouldBe(allocations.Select(a => a.PublicKey), ignoreOrder: true);
        foreach (var allocation in allocations)
        {
            peers[allocation.PublicKey].AllowedIps.ShouldBe([new IPNetwork(allocation.InternalIp, 32)]);
        }

        (await wg.CountAsync("SELECT COUNT(*) FROM wg_keys WHERE state = 'active'")).ShouldBe(64);
    }

    // 2
    [SkippableFact]
    public async Task Allocate_64ConcurrentClientsOnCapacity10_Exactly10SucceedAndTheRestGetNoAvailableKeys()
    {
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 10)));

        var results = await RaceAsync(64, i => wg.Keys.AllocateAsync(Client(i)));

        var unexpected = results.Where(r => !r.Succeeded && r.Error!.Code != WireGuardErrorCodes.NoAvailableKeys).Select(r => r.Error!.ToString()).Distinct();
        unexpected.ShouldBeEmpty("every failure must be NO_AVAILABLE_KEYS");
        results.Count(r => r.Succeeded).ShouldBe(10);
        results.Count(r => !r.Succeeded).ShouldBe(54);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Message == "No available VPN keys");
        results.Where(r => r.Succeeded).Select(r => r.Value!.InternalIp).Distinct().Count().ShouldBe(10);

        var status = await wg.StatusAsync();
        status.TotalKeys.ShouldBe(10);
        status.KeysInUse.ShouldBe(10);
        status.KeysAvailable.ShouldBe(0);
        (await wg.PeersOnAsync()).Count.ShouldBe(10);
    }

    // 3
    [SkippableFact]
    public async Task Allocate_WithoutServer_PicksTheMostFreeAndTiesGoToTheFirstConfigured()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.Servers.Add(Server(ServerA, capacity: 3, iface: InterfaceA));
            o.Servers.Add(Server(ServerB, capacity: 5, iface: InterfaceB));
        });

        var explicitA = await wg.AllocateAsync("192.0.2.1", ServerA);
        explicitA.ServerIp.ShouldBe(ServerA, "an explicit server wins even when another has more free keys");

        // Free after the explicit one: A 2, B 5.
        var chosen = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            chosen.Add((await wg.AllocateAsync(Client(i))).ServerIp);
        }

        chosen.ShouldBe([ServerB, ServerB, ServerB, ServerA, ServerB, ServerA, ServerB]);
        var full = await wg.Keys.AllocateAsync("192.0.2.99");
        full.Error!.Code.ShouldBe(WireGuardErrorCodes.NoAvailableKeys);
        (await wg.Keys.AllocateAsync("192.0.2.99", ServerA)).Error!.Code.ShouldBe(WireGuardErrorCodes.NoAvailableKeys);

        await wg.ReleaseAsync(explicitA.PublicKey);
        var again = await wg.AllocateAsync("192.0.2.99", ServerA);
        again.ServerIp.ShouldBe(ServerA);

        var unknown = await wg.Keys.AllocateAsync("192.0.2.99", "203.0.113.77");
        unknown.Succeeded.ShouldBeFalse();
        unknown.Error!.Code.ShouldBe(WireGuardErrorCodes.UnknownServer);

        (await wg.Keys.ListServersAsync()).ShouldBe([ServerA, ServerB]);
        (await wg.PeersOnAsync(InterfaceA)).Count.ShouldBe(3);
        (await wg.PeersOnAsync(InterfaceB)).Count.ShouldBe(5);
    }

    // 4
    [SkippableFact]
    public async Task Release_RemovesThePeerAtOnce_SecondReleaseAndMalformedKeysFail_SlotReuseGetsANewKey()
    {
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 1)));
        var first = await wg.AllocateAsync("192.0.2.1");
        (await wg.PeersOnAsync()).ShouldContainKey(first.PublicKey);

        var released = await wg.Keys.ReleaseAsync(first.PublicKey.ToBase64());

        released.Succeeded.ShouldBeTrue(released.Error?.ToString());
        released.Value.ShouldBe(first.PublicKey);
        (await wg.PeersOnAsync()).ShouldNotContainKey(first.PublicKey, "release removes the peer at once, not at the next reconcile");

        var twice = await wg.Keys.ReleaseAsync(first.PublicKey.ToBase64());
        twice.Error!.Code.ShouldBe(WireGuardErrorCodes.KeyNotFound);
        twice.Error.Message.ShouldBe("Key not found or not in use");

        var unknown = await wg.Keys.ReleaseAsync(new X25519KeyGenerator().Generate().PublicKey.ToBase64());
        unknown.Error!.Code.ShouldBe(WireGuardErrorCodes.KeyNotFound);

        foreach (var malformed in new[] { "not-a-key", "", "AAAA", first.PublicKey.ToBase64()[..43], first.PublicKey.ToHex() })
        {
            var result = await wg.Keys.ReleaseAsync(malformed);
            result.Error!.Code.ShouldBe(WireGuardErrorCodes.InvalidPublicKey, $"'{malformed}'");
        }

        var second = await wg.AllocateAsync("192.0.2.2");
        second.InternalIp.ShouldBe(first.InternalIp, "capacity 1: the only slot is reused");
        second.PublicKey.ShouldNotBe(first.PublicKey, "a key is never handed out twice, even on the same slot");
        second.PrivateKey.ShouldNotBe(first.PrivateKey);
        (await wg.PeersOnAsync()).Keys.ShouldBe([second.PublicKey]);
        (await wg.CountAsync("SELECT COUNT(*) FROM wg_keys WHERE state = 'released' AND public_key = @k", ("k", first.PublicKey.ToBase64()))).ShouldBe(1);
    }

    // 4 (concurrency)
    [SkippableFact]
    public async Task Release_16ConcurrentReleasesOfOneKey_ExactlyOneSucceeds()
    {
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 10)));
        var key = (await wg.AllocateAsync("192.0.2.1")).PublicKey;

        var results = await RaceAsync(16, _ => wg.Keys.ReleaseAsync(key.ToBase64()));

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == WireGuardErrorCodes.KeyNotFound);
        (await wg.PeersOnAsync()).ShouldBeEmpty();
        (await wg.StatusAsync()).KeysInUse.ShouldBe(0);
    }

    // 5
    [SkippableFact]
    public async Task Allocate_NoQuarantine_ReleasedAddressIsReusedAtOnce_WithANewKey()
    {
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 2)));
        var a = await wg.AllocateAsync("192.0.2.1");
        var b = await wg.AllocateAsync("192.0.2.2");
        b.InternalIp.ShouldNotBe(a.InternalIp);

        await wg.ReleaseAsync(a.PublicKey);
        var c = await wg.AllocateAsync("192.0.2.3");

        c.InternalIp.ShouldBe(a.InternalIp, "without a quarantine the only free address is handed out at once");
        c.PublicKey.ShouldNotBe(a.PublicKey);
    }

    // 5
    [SkippableFact]
    public async Task Allocate_Quarantine_HoldsAReleasedAddressBack_ThenTheLeastRecentlyReleasedFirst()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.AddressQuarantine = TimeSpan.FromMinutes(10);
            o.Servers.Add(Server(capacity: 3));
        });
        var a = await wg.AllocateAsync("192.0.2.1");
        var b = await wg.AllocateAsync("192.0.2.2");
        a.InternalIp.ShouldBe(IPAddress.Parse("10.8.0.2"));
        b.InternalIp.ShouldBe(IPAddress.Parse("10.8.0.3"));

        await wg.ReleaseAsync(a.PublicKey); // 10.8.0.2 rests from t0
        var c = await wg.AllocateAsync("192.0.2.3");
        c.InternalIp.ShouldBe(IPAddress.Parse("10.8.0.4"), "a never-used address is preferred over one just released");

        wg.Clock.Advance(TimeSpan.FromMinutes(1));
        await wg.ReleaseAsync(b.PublicKey); // 10.8.0.3 rests from t0+1m
        var refused = await wg.Keys.AllocateAsync("192.0.2.4");
        refused.Error!.Code.ShouldBe(WireGuardErrorCodes.NoAvailableKeys, "every free address is still resting");
        (await wg.StatusAsync()).KeysAvailable.ShouldBe(0, "resting addresses are not available");

        wg.Clock.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(1)); // 10.8.0.2 has rested, 10.8.0.3 not yet
        (await wg.StatusAsync()).KeysAvailable.ShouldBe(1);
        var d = await wg.AllocateAsync("192.0.2.4");
        d.InternalIp.ShouldBe(IPAddress.Parse("10.8.0.2"));

        wg.Clock.Advance(TimeSpan.FromMinutes(1));
        await wg.ReleaseAsync(c.PublicKey); // 10.8.0.4 rests from t0+11m; 10.8.0.3 since t0+1m
        wg.Clock.Advance(TimeSpan.FromMinutes(11)); // both rested
        var e = await wg.AllocateAsync("192.0.2.5");
        e.InternalIp.ShouldBe(IPAddress.Parse("10.8.0.3"), "the least recently released address first");
        var f = await wg.AllocateAsync("192.0.2.6");
        f.InternalIp.ShouldBe(IPAddress.Parse("10.8.0.4"));
        new[] { a, b, c, d, e, f }.Select(x => x.PublicKey).Distinct().Count().ShouldBe(6);
    }

    // 6
    [SkippableFact]
    public async Task Allocate_MaxKeysPerClient2_ThirdIsRefusedUntilOneIsReleased()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.MaxKeysPerClient = 2;
            o.Servers.Add(Server(capacity: 100));
        });
        var first = await wg.AllocateAsync("192.0.2.1");
        await wg.AllocateAsync("192.0.2.1");

        var third = await wg.Keys.AllocateAsync("192.0.2.1");

        third.Succeeded.ShouldBeFalse();
        third.Error!.Code.ShouldBe(WireGuardErrorCodes.ClientLimitReached);
        (await wg.AllocateAsync("192.0.2.2")).ServerIp.ShouldBe(ServerA, "the limit is per client");

        await wg.ReleaseAsync(first.PublicKey);
        var again = await wg.Keys.AllocateAsync("192.0.2.1");
        again.Succeeded.ShouldBeTrue(again.Error?.ToString());
        (await wg.Keys.AllocateAsync("192.0.2.1")).Error!.Code.ShouldBe(WireGuardErrorCodes.ClientLimitReached);
    }

    // 6 (concurrency)
    [SkippableFact]
    public async Task Allocate_16ConcurrentAllocationsByOneClientWithLimit2_ExactlyTwoSucceed()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.MaxKeysPerClient = 2;
            o.Servers.Add(Server(capacity: 100));
        });

        var results = await RaceAsync(16, _ => wg.Keys.AllocateAsync("192.0.2.1"));

        results.Count(r => r.Succeeded).ShouldBe(2, string.Join("; ", results.Where(r => !r.Succeeded).Select(r => r.Error!.ToString()).Distinct()));
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == WireGuardErrorCodes.ClientLimitReached);
        (await wg.CountAsync("SELECT COUNT(*) FROM wg_keys WHERE state = 'active' AND client = '192.0.2.1'")).ShouldBe(2);
        (await wg.PeersOnAsync()).Count.ShouldBe(2);

        await wg.ReleaseAsync(results.First(r => r.Succeeded).Value!.PublicKey);
        (await wg.Keys.AllocateAsync("192.0.2.1")).Succeeded.ShouldBeTrue();
    }

    // 7
    [SkippableFact]
    public async Task Allocate_ReturnExistingKey_SameClientGetsTheSameKeyBack()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.KeepClientPrivateKeys = true;
            o.ReturnExistingKey = true;
            o.Servers.Add(Server(capacity: 10));
        });
        var first = await wg.AllocateAsync("192.0.2.1");
        wg.Clock.Advance(TimeSpan.FromMinutes(1));

        var again = await wg.AllocateAsync("192.0.2.1");
        var other = await wg.AllocateAsync("192.0.2.2");

        first.Existing.ShouldBeFalse();
        again.Existing.ShouldBeTrue();
        again.PublicKey.ShouldBe(first.PublicKey);
        again.PrivateKey.ShouldBe(first.PrivateKey);
        again.InternalIp.ShouldBe(first.InternalIp);
        again.AllocatedAt.ShouldBe(first.AllocatedAt);
        again.ServerPublicKey.ShouldBe(first.ServerPublicKey);
        other.Existing.ShouldBeFalse();
        other.PublicKey.ShouldNotBe(first.PublicKey);
        (await wg.StatusAsync()).KeysInUse.ShouldBe(2);

        await wg.ReleaseAsync(first.PublicKey);
        var fresh = await wg.AllocateAsync("192.0.2.1");
        fresh.Existing.ShouldBeFalse("a released key is never handed back");
        fresh.PublicKey.ShouldNotBe(first.PublicKey);
    }

    // 7
    [SkippableFact]
    public async Task Allocate_ClientPrivateKeysNotKept_NoRowHoldsOne()
    {
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 10)));
        for (var i = 0; i < 3; i++)
        {
            await wg.AllocateAsync(Client(i));
        }

        (await wg.CountAsync("SELECT COUNT(*) FROM wg_keys")).ShouldBe(3);
        (await wg.CountAsync("SELECT COUNT(*) FROM wg_keys WHERE private_key_protected IS NOT NULL")).ShouldBe(0);
    }

    // 7
    [SkippableFact]
    public async Task Allocate_ClientPrivateKeysKept_StoredSealedAndDroppedOnRelease()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.KeepClientPrivateKeys = true;
            o.Servers.Add(Server(capacity: 10));
        });
        var allocations = new List<WireGuardAllocation>();
        for (var i = 0; i < 3; i++)
        {
            allocations.Add(await wg.AllocateAsync(Client(i)));
        }

        foreach (var allocation in allocations)
        {
            var stored = (string?)await wg.ScalarAsync("SELECT private_key_protected FROM wg_keys WHERE public_key = @k", ("k", allocation.PublicKey.ToBase64()));
            stored.ShouldNotBeNull();
            stored.ShouldNotContain(allocation.PrivateKey.ToBase64());
            stored.ShouldNotContain(allocation.PrivateKey.ToHex());
        }

        await wg.ReleaseAsync(allocations[0].PublicKey);
        (await wg.ScalarAsync("SELECT private_key_protected FROM wg_keys WHERE public_key = @k", ("k", allocations[0].PublicKey.ToBase64())))
            .ShouldBeNull("a released key's private key goes with it");
    }

    // 8
    [SkippableFact]
    public async Task Reconcile_WhenIdle_ReleasesKeysIdleLongerThanAutoReleaseAfter()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.AutoRelease = WireGuardAutoRelease.WhenIdle;
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.ReconcileInterval = TimeSpan.FromSeconds(30);
            o.Servers.Add(Server(capacity: 10));
        });
        var key1 = await wg.AllocateAsync("192.0.2.1");
        var key2 = await wg.AllocateAsync("192.0.2.2");

        wg.Clock.Advance(TimeSpan.FromMinutes(5));
        wg.Peers.RecordActivity(InterfaceA, key1.PublicKey, wg.Clock.GetUtcNow(), receivedBytes: 1_000, sentBytes: 2_000);
        (await wg.ReconcileAsync()).ShouldBe(0);

        wg.Clock.Advance(TimeSpan.FromMinutes(6));
        (await wg.ReconcileAsync()).ShouldBe(1, "key 2 has been idle 11 minutes since its allocation");

        var peers = await wg.PeersOnAsync();
        peers.ShouldContainKey(key1.PublicKey, "key 1 was active 6 minutes ago");
        peers.ShouldNotContainKey(key2.PublicKey, "a released key's peer leaves the interface");
        (await wg.StatusAsync()).ActiveConnections.Select(c => c.InternalIp).ShouldBe([key1.InternalIp]);
        (await wg.StatusAsync()).ActiveConnections.Single().LastHandshake.ShouldBe(key1.AllocatedAt + TimeSpan.FromMinutes(5));
        (await wg.ScalarAsync("SELECT release_reason FROM wg_keys WHERE public_key = @k", ("k", key2.PublicKey.ToBase64()))).ShouldBe("idle");
        (await wg.Keys.ReleaseAsync(key2.PublicKey.ToBase64())).Error!.Code.ShouldBe(WireGuardErrorCodes.KeyNotFound);

        wg.Clock.Advance(TimeSpan.FromMinutes(11));
        (await wg.ReconcileAsync()).ShouldBe(1, "key 1 has been idle 11 minutes since its last handshake");
        (await wg.PeersOnAsync()).ShouldBeEmpty();
        (await wg.StatusAsync()).KeysInUse.ShouldBe(0);
    }

    // 8
    [SkippableFact]
    public async Task Reconcile_WhenIdle_TrafficWithoutNewHandshakeCountsAsActivity()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.Servers.Add(Server(capacity: 10));
        });
        var key = await wg.AllocateAsync("192.0.2.1");

        wg.Clock.Advance(TimeSpan.FromMinutes(9));
        wg.Peers.RecordActivity(InterfaceA, key.PublicKey, latestHandshake: null, receivedBytes: 148, sentBytes: 0); // keepalives only
        (await wg.ReconcileAsync()).ShouldBe(0);

        wg.Clock.Advance(TimeSpan.FromMinutes(9));
        (await wg.ReconcileAsync()).ShouldBe(0, "bytes from the client 9 minutes ago keep the key");

        wg.Clock.Advance(TimeSpan.FromMinutes(2));
        (await wg.ReconcileAsync()).ShouldBe(1);
    }

    // 8
    [SkippableFact]
    public async Task Reconcile_AfterAllocation_ReleasesByAllocationTimeRegardlessOfActivity()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.AutoRelease = WireGuardAutoRelease.AfterAllocation;
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.Servers.Add(Server(capacity: 10));
        });
        var early = await wg.AllocateAsync("192.0.2.1");
        wg.Clock.Advance(TimeSpan.FromMinutes(5));
        var late = await wg.AllocateAsync("192.0.2.2");

        wg.Clock.Advance(TimeSpan.FromMinutes(4));
        wg.Peers.RecordActivity(InterfaceA, early.PublicKey, wg.Clock.GetUtcNow(), receivedBytes: 5_000, sentBytes: 5_000);
        (await wg.ReconcileAsync()).ShouldBe(0);

        wg.Clock.Advance(TimeSpan.FromMinutes(2)); // early: 11 minutes old, active 2 minutes ago; late: 6 minutes old
        (await wg.ReconcileAsync()).ShouldBe(1);
        (await wg.PeersOnAsync()).Keys.ShouldBe([late.PublicKey]);
        (await wg.ScalarAsync("SELECT release_reason FROM wg_keys WHERE public_key = @k", ("k", early.PublicKey.ToBase64()))).ShouldBe("expired");

        wg.Clock.Advance(TimeSpan.FromMinutes(5));
        (await wg.ReconcileAsync()).ShouldBe(1);
        (await wg.StatusAsync()).KeysInUse.ShouldBe(0);
    }

    // 8
    [SkippableFact]
    public async Task Reconcile_Never_ReleasesNothing()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.AutoRelease = WireGuardAutoRelease.Never;
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.Servers.Add(Server(capacity: 10));
            o.Servers.Add(Server(ServerB, capacity: 10, iface: null)); // no interface: only the release pass runs
        });
        await wg.AllocateAsync("192.0.2.1", ServerA);
        await wg.AllocateAsync("192.0.2.2", ServerB);

        wg.Clock.Advance(TimeSpan.FromDays(3));
        (await wg.ReconcileAsync()).ShouldBe(0);

        (await wg.StatusAsync()).KeysInUse.ShouldBe(2);
        (await wg.PeersOnAsync()).Count.ShouldBe(1);
    }

    // 8
    [SkippableFact]
    public async Task Reconcile_ServerWithoutInterface_StillReleasesIdleKeys()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.AutoReleaseAfter = TimeSpan.FromMinutes(10);
            o.Servers.Add(Server(capacity: 10, iface: null));
        });
        await wg.AllocateAsync("192.0.2.1");

        wg.Clock.Advance(TimeSpan.FromMinutes(11));
        (await wg.ReconcileAsync()).ShouldBe(1);
        (await wg.StatusAsync()).KeysInUse.ShouldBe(0);
    }

    // 9
    [SkippableFact]
    public async Task Reconcile_Drift_UnknownPeersRemovedMissingAndWrongOnesRepairedInterfaceConfiguredOnce()
    {
        CountingPeerSync? counting = null;
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 10)), wrap: peers => counting = new CountingPeerSync(peers));
        var kept = await wg.AllocateAsync("192.0.2.1");
        var removed = await wg.AllocateAsync("192.0.2.2");
        var moved = await wg.AllocateAsync("192.0.2.3");
        var stranger = new X25519KeyGenerator().Generate().PublicKey;
        await wg.Peers.ApplyAsync(InterfaceA, [new WireGuardPeer(stranger, IPNetwork.Parse("10.8.0.99/32"))], []);
        await wg.Peers.ApplyAsync(InterfaceA, [], [removed.PublicKey]);
        await wg.Peers.ApplyAsync(InterfaceA, [new WireGuardPeer(moved.PublicKey, IPNetwork.Parse("10.8.0.200/32"))], []);

        (await wg.ReconcileAsync()).ShouldBe(0);

        var peers = await wg.PeersOnAsync();
        peers.Keys.ShouldBe([kept.PublicKey, removed.PublicKey, moved.PublicKey], ignoreOrder: true);
        peers[removed.PublicKey].AllowedIps.ShouldBe([new IPNetwork(removed.InternalIp, 32)]);
        peers[moved.PublicKey].AllowedIps.ShouldBe([new IPNetwork(moved.InternalIp, 32)]);
        var server = wg.Peers.GetInterface(InterfaceA);
        server.ShouldNotBeNull("the reconciler configures a managed interface");
        server.Value.PublicKey.ShouldBe(kept.ServerPublicKey);
        server.Value.ListenPort.ShouldBe(kept.ServerPort);

        var applies = wg.Peers.ApplyCount;
        (await wg.ReconcileAsync()).ShouldBe(0);
        wg.Peers.ApplyCount.ShouldBe(applies, "an interface that matches the database is left alone");
        counting!.ConfigureCount.ShouldBe(1, "a configured interface is not configured again (that would rebind its socket)");
    }

    // 9
    [SkippableFact]
    public async Task Reconcile_InterfaceRestartedEmpty_ConfiguredAgainAndItsPeersRestored()
    {
        CountingPeerSync? counting = null;
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 10)), wrap: peers => counting = new CountingPeerSync(peers));
        var a = await wg.AllocateAsync("192.0.2.1");
        var b = await wg.AllocateAsync("192.0.2.2");
        await wg.ReconcileAsync();
        counting!.ConfigureCount.ShouldBe(1);

        wg.Peers.Restart(InterfaceA); // wireguard-go restarted: no key, no port, no peers

        await wg.ReconcileAsync();
        counting.ConfigureCount.ShouldBe(2, "an interface that lost its key is configured again");
        wg.Peers.GetInterface(InterfaceA)!.Value.PublicKey.ShouldBe(a.ServerPublicKey);
        (await wg.PeersOnAsync()).Keys.ShouldBe([a.PublicKey, b.PublicKey], ignoreOrder: true);
        await wg.ReconcileAsync();
        counting.ConfigureCount.ShouldBe(2);
    }

    // 9
    [SkippableFact]
    public async Task Reconcile_ApplyFailedAtAllocation_PeerAddedOnceTheInterfaceExists()
    {
        var peers = new InMemoryPeerSync(autoCreate: false); // the interface does not exist until the reconciler configures it
        var wg = await CreateHarnessAsync(o => o.Servers.Add(Server(capacity: 10)), peers);

        var allocation = await wg.AllocateAsync("192.0.2.1");
        await wg.ReconcileAsync();

        (await wg.PeersOnAsync()).Keys.ShouldBe([allocation.PublicKey], ignoreOrder: false, "the database is the truth; the reconcile loop applies what allocation missed");
    }

    // 10
    [SkippableFact]
    public async Task ServerKey_NotConfigured_GeneratedOnceAndSharedByEveryHost()
    {
        var test = await CreateDatabaseAsync();
        var other = test.OpenAnotherHost();
        Track(other);
        var first = await CreateHarnessAsync(test.Database, o => o.Servers.Add(Server(capacity: 10)), new());
        var second = await CreateHarnessAsync(other, o => o.Servers.Add(Server(capacity: 10)), new());

        var fromFirst = await first.AllocateAsync("192.0.2.1");
        var fromSecond = await second.AllocateAsync("192.0.2.2");

        fromSecond.ServerPublicKey.ShouldBe(fromFirst.ServerPublicKey);
        fromSecond.InternalIp.ShouldNotBe(fromFirst.InternalIp, "both hosts allocate from the same database");
        (await first.CountAsync("SELECT COUNT(*) FROM wg_servers")).ShouldBe(1);
        var sealedKey = (string?)await first.ScalarAsync("SELECT private_key_protected FROM wg_servers");
        sealedKey.ShouldNotBeNull();
        await first.ReconcileAsync();
        first.Peers.GetInterface(InterfaceA)!.Value.PublicKey.ShouldBe(fromFirst.ServerPublicKey);
    }

    // 10
    [SkippableFact]
    public async Task ServerKey_Configured_ItsPublicKeyIsUsedEvenOverAGeneratedOne()
    {
        var test = await CreateDatabaseAsync();
        var generated = await CreateHarnessAsync(test.Database, o => o.Servers.Add(Server(capacity: 10)), new());
        var generatedKey = (await generated.AllocateAsync("192.0.2.1")).ServerPublicKey;
        var configuredPair = new X25519KeyGenerator().Generate();

        var configured = await CreateHarnessAsync(
            test.Database, o => o.Servers.Add(Server(capacity: 10, privateKey: configuredPair.PrivateKey.ToBase64())), new());
        var allocation = await configured.AllocateAsync("192.0.2.2");

        allocation.ServerPublicKey.ShouldBe(configuredPair.PublicKey);
        allocation.ServerPublicKey.ShouldNotBe(generatedKey);
        allocation.Config.Render().ShouldContain($"PublicKey = {configuredPair.PublicKey.ToBase64()}");
        var sealedKey = (string?)await configured.ScalarAsync("SELECT private_key_protected FROM wg_servers");
        sealedKey.ShouldNotBeNull();
        sealedKey.ShouldNotContain(configuredPair.PrivateKey.ToBase64(), Case.Sensitive, "the server key is stored sealed");
    }

    // 1/2 across hosts
    [SkippableFact]
    public async Task Allocate_TwoHostsRacing32EachOnCapacity40_Exactly40DistinctKeysAndAddresses()
    {
        var test = await CreateDatabaseAsync();
        var other = test.OpenAnotherHost();
        Track(other);
        var clock = new Testing.ManualTimeProvider();
        var hostA = await CreateHarnessAsync(test.Database, o => o.Servers.Add(Server(capacity: 40)), clock);
        var hostB = await CreateHarnessAsync(other, o => o.Servers.Add(Server(capacity: 40)), clock);

        var results = await RaceAsync(64, i => (i % 2 == 0 ? hostA : hostB).Keys.AllocateAsync(Client(i)));

        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == WireGuardErrorCodes.NoAvailableKeys);
        var won = results.Where(r => r.Succeeded).Select(r => r.Value!).ToList();
        won.Count.ShouldBe(40);
        won.Select(a => a.PublicKey).Distinct().Count().ShouldBe(40);
        won.Select(a => a.InternalIp).Distinct().Count().ShouldBe(40);
        won.Select(a => a.ServerPublicKey).Distinct().Count().ShouldBe(1, "both hosts serve the same server key");
        (await hostA.CountAsync("SELECT COUNT(*) FROM wg_keys WHERE state = 'active'")).ShouldBe(40);
    }

    // 7
    [SkippableFact]
    public async Task Allocate_ReturnExistingKeyOnAnotherServer_GetsANewKeyThere()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.KeepClientPrivateKeys = true;
            o.ReturnExistingKey = true;
            o.Servers.Add(Server(ServerA, capacity: 3, iface: InterfaceA));
            o.Servers.Add(Server(ServerB, capacity: 3, iface: InterfaceB));
        });
        var onA = await wg.AllocateAsync("192.0.2.1", ServerA);

        var onB = await wg.AllocateAsync("192.0.2.1", ServerB);
        var anyAgain = await wg.AllocateAsync("192.0.2.1");
        var onAAgain = await wg.AllocateAsync("192.0.2.1", ServerA);

        onB.Existing.ShouldBeFalse("the client holds no key on B");
        onB.ServerIp.ShouldBe(ServerB);
        onB.PublicKey.ShouldNotBe(onA.PublicKey);
        anyAgain.Existing.ShouldBeTrue();
        onAAgain.Existing.ShouldBeTrue();
        onAAgain.PublicKey.ShouldBe(onA.PublicKey);
        (await wg.StatusAsync()).KeysInUse.ShouldBe(2);
    }

    // 11
    [SkippableFact]
    public async Task Status_ListsKeysInUseWithDurationsFromTheClock_PerServerOrAll()
    {
        var wg = await CreateHarnessAsync(o =>
        {
            o.Servers.Add(Server(ServerA, capacity: 3, iface: InterfaceA));
            o.Servers.Add(Server(ServerB, capacity: 5, iface: InterfaceB, subnet: "10.9.0.0/24"));
        });
        var onA = await wg.AllocateAsync("192.0.2.1", ServerA);
        wg.Clock.Advance(TimeSpan.FromSeconds(90));
        var onB = await wg.AllocateAsync("192.0.2.2", ServerB);
        wg.Clock.Advance(TimeSpan.FromSeconds(30));

        var all = await wg.StatusAsync();
        all.TotalKeys.ShouldBe(8);
        all.KeysInUse.ShouldBe(2);
        all.KeysAvailable.ShouldBe(6);
        all.ActiveConnections.Count.ShouldBe(2);
        var (a, b) = (all.ActiveConnections[0], all.ActiveConnections[1]); // oldest first
        a.ServerIp.ShouldBe(ServerA);
        a.InternalIp.ShouldBe(onA.InternalIp);
        a.AssignedTo.ShouldBe("192.0.2.1");
        a.AssignedAt.ShouldBe(onA.AllocatedAt);
        a.AssignedAt.ShouldBe(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        a.Duration.ShouldBe(TimeSpan.FromSeconds(120));
        a.LastHandshake.ShouldBeNull();
        b.ServerIp.ShouldBe(ServerB);
        b.InternalIp.ShouldBe(IPAddress.Parse("10.9.0.2"));
        b.AssignedTo.ShouldBe("192.0.2.2");
        b.Duration.ShouldBe(TimeSpan.FromSeconds(30));

        var onlyA = await wg.StatusAsync(ServerA);
        onlyA.TotalKeys.ShouldBe(3);
        onlyA.KeysInUse.ShouldBe(1);
        onlyA.KeysAvailable.ShouldBe(2);
        onlyA.ActiveConnections.Select(c => c.InternalIp).ShouldBe([onA.InternalIp]);
        var onlyB = await wg.StatusAsync(ServerB);
        onlyB.ActiveConnections.Select(c => c.AssignedTo).ShouldBe(["192.0.2.2"]);
        onlyB.KeysAvailable.ShouldBe(4);

        (await wg.Keys.GetStatusAsync("203.0.113.77")).Error!.Code.ShouldBe(WireGuardErrorCodes.UnknownServer);

        // Nothing a status or allocation prints carries a private key.
        var texts = new List<string> { all.ToString(), onlyA.ToString(), onA.ToString(), onA.Config.ToString(), onA.PrivateKey.ToString() };
        texts.AddRange(all.ActiveConnections.Select(c => c.ToString()));
        texts.Add((await wg.Keys.GetStatusAsync()).ToString()!);
        texts.Add((await wg.Keys.AllocateAsync("192.0.2.9")).Value!.ToString());
        foreach (var secret in new[] { onA.PrivateKey, onB.PrivateKey })
        {
            foreach (var text in texts)
            {
                text.ShouldNotContain(secret.ToBase64());
                text.ShouldNotContain(secret.ToHex());
            }
        }
    }

    private static string Client(int i) => $"192.0.2.{i + 1}";
}

public sealed class SqliteKeyAllocationContractTests() : KeyAllocationContractTests(TestEngine.Sqlite);

public sealed class PostgresKeyAllocationContractTests() : KeyAllocationContractTests(TestEngine.Postgres);
