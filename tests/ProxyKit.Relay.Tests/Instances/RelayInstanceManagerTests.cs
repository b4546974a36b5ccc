using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Instances;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Relay.Tests.Instances;

public abstract class RelayInstanceManagerContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private const string Interface = "eth-test";
    private static readonly IPNetwork Prefix = IPNetwork.Parse("2001:db8:77:1::/64");
    private readonly List<RelayInstanceManager> _managers = [];
    private readonly ManualTimeProvider _clock = new();

    [SkippableFact]
    public async Task CreateAsync_Both_TwoLoopbackListenersAndAFreshAddressStored()
    {
        var (manager, database) = await CreateAsync();

        var result = await manager.CreateAsync(RelayInstanceType.Both, Interface);

        var instance = result.Instance.ShouldNotBeNull(result.Message);
        Prefix.Contains(instance.Address).ShouldBeTrue();
        instance.HttpEndPoint!.Address.ShouldBe(IPAddress.Loopback);
        instance.Socks5EndPoint!.Address.ShouldBe(IPAddress.Loopback);
        instance.HttpEndPoint.Port.ShouldNotBe(instance.Socks5EndPoint.Port);
        instance.ExpiresAt.ShouldBeNull();
        manager.Get(instance.Id).ShouldNotBeNull();
        manager.List().Single().Id.ShouldBe(instance.Id);
        (await CountRowsAsync(database)).ShouldBe(1);
        await ShouldAcceptAsync(instance.Socks5EndPoint);
    }

    [SkippableFact]
    public async Task CreateAsync_BadRequests_ClientErrorsAndNothingStored()
    {
        var (manager, database) = await CreateAsync();

        var missing = await manager.CreateAsync(RelayInstanceType.Socks5, "  ");
        var unknown = await manager.CreateAsync(RelayInstanceType.Socks5, "wlan9");
        var ttl = await manager.CreateAsync(RelayInstanceType.Socks5, Interface, TimeSpan.Zero);

        missing.Error.ShouldBe("invalid_request");
        missing.Message.ShouldStartWith("Interface name is required");
        missing.IsClientError.ShouldBeTrue();
        unknown.Error.ShouldBe(nameof(AddressAssignmentError.NoGlobalIPv6Prefix));
        ttl.Error.ShouldBe("invalid_request");
        (await CountRowsAsync(database)).ShouldBe(0);
        manager.List().ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task CreateAsync_AssignmentFails_ErrorAddressReleasedNothingStored()
    {
        var (manager, database) = await CreateAsync(new FailingAssigner());

        var result = await manager.CreateAsync(RelayInstanceType.Http, Interface);

        result.Instance.ShouldBeNull();
        result.Error.ShouldBe(nameof(AddressAssignmentError.AccessDenied));
        result.Message!.ShouldStartWith("Failed to assign IPv6");
        result.IsClientError.ShouldBeFalse();
        (await CountRowsAsync(database)).ShouldBe(0);
    }

    [SkippableFact]
    public async Task DeleteAsync_Instance_ListenersClosedRowGoneAddressReleased()
    {
        var (manager, database) = await CreateAsync();
        var instance = (await manager.CreateAsync(RelayInstanceType.Socks5, Interface)).Instance!;

        (await manager.DeleteAsync(instance.Id)).ShouldBeTrue();

        manager.Get(instance.Id).ShouldBeNull();
        (await CountRowsAsync(database)).ShouldBe(0);
        await ShouldRefuseAsync(instance.Socks5EndPoint!);
        (await manager.DeleteAsync(instance.Id)).ShouldBeFalse();
    }

    [SkippableFact]
    public async Task DeleteManyAndAll_CountOnlyWhatExisted()
    {
        var (manager, database) = await CreateAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await manager.CreateAsync(RelayInstanceType.Http, Interface)).Instance!.Id);
        }

        (await manager.DeleteManyAsync([ids[0], ids[1], ids[1], "no-such-id"])).ShouldBe(2);
        (await manager.DeleteAllAsync()).ShouldBe(1);
        (await CountRowsAsync(database)).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CleanupExpiredAsync_TemporaryInstancePastItsTtl_Removed()
    {
        var (manager, _) = await CreateAsync();
        var temporary = (await manager.CreateAsync(RelayInstanceType.Socks5, Interface, TimeSpan.FromSeconds(60))).Instance!;
        var permanent = (await manager.CreateAsync(RelayInstanceType.Socks5, Interface)).Instance!;
        temporary.ExpiresAt.ShouldBe(temporary.CreatedAt + TimeSpan.FromSeconds(60));

        _clock.Advance(TimeSpan.FromSeconds(59));
        (await manager.CleanupExpiredAsync()).ShouldBe(0);
        _clock.Advance(TimeSpan.FromSeconds(1));
        (await manager.CleanupExpiredAsync()).ShouldBe(1);

        manager.List().Select(i => i.Id).ShouldBe([permanent.Id]);
    }

    [SkippableFact]
    public async Task RestoreAsync_AfterRestart_SameInstancesAddressesAndPorts()
    {
        var (first, database) = await CreateAsync();
        var a = (await first.CreateAsync(RelayInstanceType.Both, Interface)).Instance!;
        var b = (await first.CreateAsync(RelayInstanceType.Http, Interface, TimeSpan.FromHours(1))).Instance!;
        await first.DisposeAsync(); // the host goes away; its instances stay stored

        var second = Manager(database, new NullAddressAssigner());
        (await second.RestoreAsync()).ShouldBe(2);

        var restored = second.List();
        restored.Select(i => (i.Id, i.Address, i.HttpEndPoint, i.Socks5EndPoint)).ShouldBe([(a.Id, a.Address, a.HttpEndPoint, a.Socks5EndPoint), (b.Id, b.Address, b.HttpEndPoint, b.Socks5EndPoint)], ignoreOrder: true);
        await ShouldAcceptAsync(a.Socks5EndPoint!);
    }

    [SkippableFact]
    public async Task CreateAsync_CredentialsAndLimits_StoredAsAHashAndEnforcedAfterRestore()
    {
        var (first, database) = await CreateAsync();
        var created = (await first.CreateAsync(new RelayInstanceRequest(RelayInstanceType.Socks5, Interface)
        {
            Credentials = new RelayCredentials("alice", "correct-horse"),
            Limits = new RelayInstanceLimits(MaxConnections: 1, BandwidthBytesPerSecond: 4096),
        })).Instance.ShouldNotBeNull();
        created.Username.ShouldBe("alice");
        var (username, hash) = await ReadCredentialColumnsAsync(database, created.Id);
        username.ShouldBe("alice");
        hash.ShouldStartWith("pbkdf2-sha256$");
        hash.ShouldNotContain("correct-horse");
        await first.DisposeAsync();

        var second = Manager(database, new NullAddressAssigner());
        await second.RestoreAsync();

        var restored = second.Get(created.Id).ShouldNotBeNull();
        restored.Username.ShouldBe("alice");
        restored.Limits.ShouldBe(new RelayInstanceLimits(1, 4096));
        using var held = await ConnectAuthenticatedAsync(restored.Socks5EndPoint!, "alice", "correct-horse");
        using var another = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await another.ConnectAsync(restored.Socks5EndPoint!);
        await another.SendAsync(Socks5Client.Greeting(0x02));
        await another.SendAsync(Socks5Client.Credentials("alice", "correct-horse"));
        await another.SendAsync(Socks5Client.Request(Socks5Client.Connect, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 80)));
        (await Socks5Client.ReadMethodChoiceAsync(another))[1].ShouldBe((byte)0x02);
        (await another.ReceiveExactAsync(2))[1].ShouldBe((byte)0x00);
        (await Socks5Client.ReadReplyAsync(another)).Code.ShouldBe((byte)0x02, "max_connections 1: the second concurrent client is refused by rule");
        (await AuthenticateAsync(restored.Socks5EndPoint!, "alice", "wrong")).ShouldBe((byte)0x01, "the restored hash still rejects a wrong password");
    }

    [SkippableFact]
    public async Task GetLog_LifecycleAndFinishedConnections_OldestFirst()
    {
        var (manager, _) = await CreateAsync();
        var instance = (await manager.CreateAsync(RelayInstanceType.Socks5, Interface)).Instance!;

        (await AuthenticateWithoutOfferingAsync(instance.Socks5EndPoint!)).ShouldBe((byte)0xFF);
        await Eventually.TrueAsync(() => manager.GetLog(instance.Id)!.Count == 2, "the refused connection is logged");

        var log = manager.GetLog(instance.Id)!;
        log[0].Event.ShouldBe("created");
        log[0].Message.ShouldContain(instance.Address.ToString());
        log[1].Event.ShouldBe("connection");
        log[1].Connection!.Failure.ShouldBe(RelayFailureReason.AuthenticationFailed, "no acceptable method offered");
        manager.GetLog("nope").ShouldBeNull();
    }

    [SkippableFact]
    public async Task CreateAsync_InvalidLimits_ClientErrorsAndNothingStored()
    {
        var (manager, database) = await CreateAsync();

        var connections = await manager.CreateAsync(new RelayInstanceRequest(RelayInstanceType.Http, Interface) { Limits = new(MaxConnections: 0) });
        var bandwidth = await manager.CreateAsync(new RelayInstanceRequest(RelayInstanceType.Http, Interface) { Limits = new(BandwidthBytesPerSecond: 100) });

        connections.Error.ShouldBe("invalid_request");
        connections.Message.ShouldNotBeNull().ShouldContain("max_connections");
        bandwidth.Error.ShouldBe("invalid_request");
        bandwidth.Message.ShouldNotBeNull().ShouldContain("bandwidth_bytes_per_second");
        (await CountRowsAsync(database)).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_DuplicateAddresses_RegeneratesAFreshAddress()
    {
        var assigner = new DuplicatingAssigner(duplicates: 2);
        var (manager, database) = await CreateAsync(assigner);

        var instance = (await manager.CreateAsync(RelayInstanceType.Socks5, Interface)).Instance.ShouldNotBeNull();

        assigner.Tried.Count.ShouldBe(3);
        assigner.Tried.Distinct().Count().ShouldBe(3, "each attempt gets a never-used address");
        instance.Address.ShouldBe(assigner.Tried[^1]);
        (await CountRowsAsync(database)).ShouldBe(1);
    }

    [SkippableFact]
    public async Task CreateAsync_DuplicateEveryTime_GivesUpAfterThreeWithTheTypedError()
    {
        var assigner = new DuplicatingAssigner(duplicates: int.MaxValue);
        var (manager, database) = await CreateAsync(assigner);

        var result = await manager.CreateAsync(RelayInstanceType.Socks5, Interface);

        result.Instance.ShouldBeNull();
        result.Error.ShouldBe(nameof(AddressAssignmentError.DuplicateAddress));
        result.IsClientError.ShouldBeFalse();
        result.Message.ShouldStartWith("Failed to assign IPv6");
        assigner.Tried.Count.ShouldBe(3);
        (await CountRowsAsync(database)).ShouldBe(0);
    }

    protected override async Task DisposeResourcesAsync()
    {
        foreach (var manager in _managers)
        {
            await manager.DisposeAsync();
        }
    }

    private async Task<(RelayInstanceManager Manager, ProxyKitDatabase Database)> CreateAsync(IAddressAssigner? assigner = null)
    {
        var database = await CreateProxyKitDatabaseAsync();
        await new MigrationRunner(database, [MigrationModule.FromAssembly("relay", typeof(RelayInstanceManager).Assembly)], TimeProvider.System).RunAsync();
        return (Manager(database, assigner ?? new NullAddressAssigner()), database);
    }

    private RelayInstanceManager Manager(ProxyKitDatabase database, IAddressAssigner assigner)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddProxyKitRelay();
        var provider = services.BuildServiceProvider();
        var options = new RelayInstanceOptions();
        options.Prefixes[Interface] = Prefix.ToString();
        var allocator = new PersistentAddressAllocator(database, Options.Create(new AddressAllocatorOptions()), _clock);
        var manager = new RelayInstanceManager(database, allocator, assigner, provider.GetRequiredService<IRelayListenerFactory>(), Options.Create(options), _clock);
        _managers.Add(manager);
        return manager;
    }

    private static async Task<long> CountRowsAsync(ProxyKitDatabase database)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var count = connection.CreateCommand("SELECT COUNT(*) FROM relay_instances", null);
            return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
    }

    private static async Task<(string Username, string Hash)> ReadCredentialColumnsAsync(ProxyKitDatabase database, string id)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var select = connection.CreateCommand("SELECT username, password_hash FROM relay_instances WHERE id = @id", null).With("id", id);
            using var reader = await select.ExecuteReaderAsync();
            reader.Read().ShouldBeTrue();
            return (reader.GetString(0), reader.GetString(1));
        }
    }

    // A client offering only GSSAPI to a no-auth listener: the method choice byte (0xFF = none acceptable).
    private static async Task<byte> AuthenticateWithoutOfferingAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(Socks5Client.Greeting(0x01));
        return (await Socks5Client.ReadMethodChoiceAsync(socket))[1];
    }

    // Returns the RFC 1929 status byte.
    private static async Task<byte> AuthenticateAsync(IPEndPoint endPoint, string username, string password)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(Socks5Client.Greeting(0x02));
        (await Socks5Client.ReadMethodChoiceAsync(socket))[1].ShouldBe((byte)0x02);
        await socket.SendAsync(Socks5Client.Credentials(username, password));
        return (await socket.ReceiveExactAsync(2))[1];
    }

    // An authenticated client that stays connected mid-handshake (it sends no request), holding a connection slot.
    private static async Task<Socket> ConnectAuthenticatedAsync(IPEndPoint endPoint, string username, string password)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(Socks5Client.Greeting(0x02));
        await Socks5Client.ReadMethodChoiceAsync(socket);
        await socket.SendAsync(Socks5Client.Credentials(username, password));
        (await socket.ReceiveExactAsync(2))[1].ShouldBe((byte)0x00);
        return socket;
    }

    private static async Task ShouldAcceptAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        socket.Connected.ShouldBeTrue();
    }

    private static async Task ShouldRefuseAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var error = await Should.ThrowAsync<SocketException>(async () => await socket.ConnectAsync(endPoint));
        error.SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
    }

    private sealed class DuplicatingAssigner(int duplicates) : IAddressAssigner
    {
        public List<IPAddress> Tried { get; } = [];

        public string Name => "none";

        public ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
        {
            Tried.Add(address);
            return ValueTask.FromResult(Tried.Count <= duplicates
                ? new AddressAssignmentResult(AddressAssignmentError.DuplicateAddress, "DAD found another holder")
                : AddressAssignmentResult.Success);
        }

        public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(AddressAssignmentResult.Success);

        public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(AddressAssignmentResult.Success);
    }

    private sealed class FailingAssigner : IAddressAssigner
    {
        public string Name => "failing";

        public ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new AddressAssignmentResult(AddressAssignmentError.AccessDenied, "needs CAP_NET_ADMIN"));

        public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(AddressAssignmentResult.Success);

        public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(AddressAssignmentResult.Success);
    }
}

public sealed class SqliteRelayInstanceManagerTests() : RelayInstanceManagerContractTests(TestEngine.Sqlite);

public sealed class PostgresRelayInstanceManagerTests() : RelayInstanceManagerContractTests(TestEngine.Postgres);
