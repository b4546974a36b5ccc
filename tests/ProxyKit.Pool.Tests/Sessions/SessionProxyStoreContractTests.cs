using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Sessions;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Sessions;

/// <summary>Proxies bound to sessions (<see cref="SessionProxyStore"/>), on both engines.</summary>
public abstract class SessionProxyStoreContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    [SkippableFact]
    public async Task CreateAsync_NewEndpoint_StoresAnActiveProxyWithItsFirstSession()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);

        var created = await store.CreateAsync("192.168.1.1", 8080, "user", "pass", "session_cookie", default);

        created.Succeeded.ShouldBeTrue();
        var proxy = created.Value!;
        proxy.Ip.ShouldBe("192.168.1.1");
        proxy.Port.ShouldBe(8080);
        proxy.Username.ShouldBe("user");
        proxy.Password.ShouldBe("pass");
        proxy.IsActive.ShouldBeTrue();
        proxy.CreatedAt.ShouldBe(Start);
        proxy.Sessions.Single().Session.ShouldBe("session_cookie");
        var listed = (await store.ListAsync(default)).Single();
        (listed with { Sessions = proxy.Sessions }).ShouldBe(proxy);
        listed.Sessions.ShouldBe(proxy.Sessions);
        listed.TotalRequests.ShouldBe(0);
        listed.FailedRequests.ShouldBe(0);
        listed.ErrorCount.ShouldBe(0);
        listed.LastUsedAt.ShouldBeNull();
    }

    [SkippableFact]
    public async Task CreateAsync_WithoutCredentials_StoresNulls()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);

        (await store.CreateAsync("10.0.0.1", 3128, null, null, "s1", default)).Succeeded.ShouldBeTrue();

        var proxy = (await store.ListAsync(default)).Single();
        proxy.Username.ShouldBeNull();
        proxy.Password.ShouldBeNull();
        (await pool.ScalarAsync("SELECT password_protected FROM pool_session_proxies")).ShouldBeNull();
    }

    [SkippableFact]
    public async Task ListAsync_SeveralProxies_ReturnsEachWithItsOwnSessionsInOrder()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        var a = (await store.CreateAsync("10.0.0.1", 80, null, null, "a1", default)).Value!;
        var b = (await store.CreateAsync("10.0.0.2", 80, null, null, "b1", default)).Value!;
        await store.CreateAsync("10.0.0.3", 80, null, null, "c1", default);
        (await store.AddSessionAsync(a.Id, "a2", 10, default)).Succeeded.ShouldBeTrue();
        (await store.AddSessionAsync(b.Id, "b2", 10, default)).Succeeded.ShouldBeTrue();

        var listed = await store.ListAsync(default);

        listed.Select(p => p.Ip).ShouldBe(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        listed[0].Sessions.Select(s => s.Session).ShouldBe(["a1", "a2"]);
        listed[1].Sessions.Select(s => s.Session).ShouldBe(["b1", "b2"]);
        listed[2].Sessions.Select(s => s.Session).ShouldBe(["c1"]);
        listed.SelectMany(p => p.Sessions).ShouldAllBe(s => s.Status == "active");
    }

    [SkippableFact]
    public async Task CreateAsync_DuplicateEndpoint_ReturnsDuplicateProxyAndWritesNothing()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        await store.CreateAsync("10.0.0.1", 80, null, null, "first", default);

        var duplicate = await store.CreateAsync("10.0.0.1", 80, "other", "secret", "second", default);

        duplicate.Error!.Code.ShouldBe("duplicate_proxy");
        duplicate.Error.Message.ShouldNotContain("second");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(1);
        (await store.CreateAsync("10.0.0.1", 81, null, null, "second", default)).Succeeded.ShouldBeTrue("the refused session was not kept");
    }

    [SkippableFact]
    public async Task CreateAsync_DuplicateSession_ReturnsDuplicateSessionAndWritesNoProxy()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        await store.CreateAsync("10.0.0.1", 80, null, null, "shared_cookie", default);

        var duplicate = await store.CreateAsync("10.0.0.2", 80, null, null, "shared_cookie", default);

        duplicate.Error!.Code.ShouldBe("duplicate_session");
        duplicate.Error.Message.ShouldNotContain("shared_cookie");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(1, "the proxy insert was rolled back with the session's");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task CreateAsync_SixteenConcurrentCreatesOfOneEndpoint_ExactlyOneWins()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        using var gate = new Barrier(16);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            gate.SignalAndWait(TimeSpan.FromSeconds(30));
            return await store.CreateAsync("10.0.0.9", 1080, null, null, $"session-{i}", default);
        })));

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == "duplicate_proxy");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(1);
        var winner = results.Single(r => r.Succeeded).Value!;
        (await store.ListAsync(default)).Single().Sessions.Single().Session.ShouldBe(winner.Sessions.Single().Session);
    }

    [SkippableFact]
    public async Task AddSessionAsync_BindsSessionsAndRefusesDuplicatesAndUnknownProxies()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        var a = (await store.CreateAsync("10.0.0.1", 80, null, null, "a1", default)).Value!;
        var b = (await store.CreateAsync("10.0.0.2", 80, null, null, "b1", default)).Value!;
        Clock.Advance(TimeSpan.FromMinutes(1));

        var added = await store.AddSessionAsync(a.Id, "a2", 10, default);
        var onOther = await store.AddSessionAsync(b.Id, "a1", 10, default);
        var onSame = await store.AddSessionAsync(a.Id, "a2", 10, default);
        var missing = await store.AddSessionAsync(a.Id + b.Id + 100, "orphan", 10, default);

        added.Value!.Session.ShouldBe("a2");
        added.Value.ProxyId.ShouldBe(a.Id);
        added.Value.CreatedAt.ShouldBe(Start.AddMinutes(1));
        onOther.Error!.Code.ShouldBe("duplicate_session");
        onSame.Error!.Code.ShouldBe("duplicate_session");
        missing.Error!.Code.ShouldBe("not_found");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(3);
        (await store.GetAsync(a.Id, default))!.Sessions.Select(s => s.Session).ShouldBe(["a1", "a2"]);
    }

    [SkippableFact]
    public async Task DeleteAsync_RemovesTheProxyAndItsSessionsOnly()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        var a = (await store.CreateAsync("10.0.0.1", 80, null, null, "a1", default)).Value!;
        await store.AddSessionAsync(a.Id, "a2", 10, default);
        var b = (await store.CreateAsync("10.0.0.2", 80, null, null, "b1", default)).Value!;

        (await store.DeleteAsync(a.Id, default)).ShouldBeTrue();
        (await store.DeleteAsync(a.Id, default)).ShouldBeFalse();

        (await store.ListAsync(default)).Single().Id.ShouldBe(b.Id);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(1);
        (await store.GetAsync(a.Id, default)).ShouldBeNull();
        (await store.CreateAsync("10.0.0.1", 80, null, null, "a1", default)).Succeeded.ShouldBeTrue("endpoint and sessions are free again");
    }

    [SkippableFact]
    public async Task SetStatusAsync_DisablesAndReenablesAndStampsUpdatedAt()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        var proxy = (await store.CreateAsync("10.0.0.1", 80, null, null, "s", default)).Value!;
        Clock.Advance(TimeSpan.FromMinutes(5));

        (await store.SetStatusAsync(proxy.Id, "disabled", default)).ShouldBeTrue();
        var disabled = (await store.GetAsync(proxy.Id, default))!;
        (await store.SetStatusAsync(proxy.Id, "active", default)).ShouldBeTrue();
        var active = (await store.GetAsync(proxy.Id, default))!;

        disabled.Status.ShouldBe("disabled");
        disabled.IsActive.ShouldBeFalse();
        disabled.CreatedAt.ShouldBe(Start);
        disabled.UpdatedAt.ShouldBe(Start.AddMinutes(5));
        active.IsActive.ShouldBeTrue();
        (await store.SetStatusAsync(proxy.Id + 1000, "disabled", default)).ShouldBeFalse();
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => store.SetStatusAsync(proxy.Id, "paused", default));
    }

    [SkippableFact]
    public async Task Storage_SessionAndPassword_AreNotStoredInPlainText()
    {
        var pool = await CreatePoolAsync();
        var store = Store(pool);
        const string Cookie = "sessionid=4242%3Aplaintext-cookie";
        const string Password = "hunter2-plaintext";
        await store.CreateAsync("10.0.0.1", 80, "user", Password, Cookie, default);

        var proxyRow = (await pool.RowsAsync("SELECT * FROM pool_session_proxies")).Single();
        var sessionRow = (await pool.RowsAsync("SELECT * FROM pool_proxy_sessions")).Single();

        proxyRow.Values.ShouldNotContain(v => v != null && v.Contains("plaintext", StringComparison.Ordinal));
        sessionRow.Values.ShouldNotContain(v => v != null && v.Contains("plaintext", StringComparison.Ordinal));
        pool.Protector.Unprotect(SessionProxyStore.PasswordPurpose, proxyRow["password_protected"]!).ShouldBe(Password);
        sessionRow["session_hash"].ShouldBe(pool.Protector.Hash(SessionProxyStore.SessionPurpose, Cookie));
        pool.Protector.Unprotect(SessionProxyStore.SessionPurpose, sessionRow["session_protected"]!).ShouldBe(Cookie);
    }

    private static SessionProxyStore Store(PoolHarness pool) => pool.Services.GetRequiredService<SessionProxyStore>();
}

public sealed class SqliteSessionProxyStoreTests() : SessionProxyStoreContractTests(TestEngine.Sqlite);

public sealed class PostgresSessionProxyStoreTests() : SessionProxyStoreContractTests(TestEngine.Postgres);
