using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Accounts.Keys;
using ProxyKit.Accounts.Users;
using ProxyKit.Coordination;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Accounts.Tests.Keys;

public abstract class ApiKeyServiceContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private readonly ManualTimeProvider _clock = new();
    private readonly List<IAsyncDisposable> _owned = [];

    [SkippableFact]
    public async Task RegisterAsync_ValidInput_UserAndDefaultKeyThatVerifies()
    {
        var (service, _) = await CreateAsync();

        var result = await service.RegisterAsync(" Alice@Example.com ", " Alice ");

        result.Succeeded.ShouldBeTrue(result.Message);
        result.User.Email.ShouldBe("Alice@Example.com");
        result.User.DisplayName.ShouldBe("Alice");
        result.User.CreatedAt.ShouldBe(_clock.GetUtcNow());
        Guid.TryParseExact(result.User.Id, "D", out _).ShouldBeTrue();
        Guid.TryParseExact(result.ApiKey.Id, "D", out _).ShouldBeTrue();
        ApiKeyFormat.IsWellFormed(result.ApiKey.Key).ShouldBeTrue();
        result.ApiKey.Prefix.ShouldBe(result.ApiKey.Key[..8]);
        result.ApiKey.Label.ShouldBe("default");
        (await service.VerifyAsync(result.ApiKey.Key)).ShouldBe(new ApiKeyIdentity(result.User.Id, result.ApiKey.Id, result.ApiKey.Prefix));
        (await service.GetUserAsync(result.User.Id)).ShouldBe(result.User);
        (await service.GetUserAsync(Guid.NewGuid().ToString("D"))).ShouldBeNull();
    }

    [SkippableFact]
    public async Task KeyLifecycle_RegisterVerifyListCreateRevoke_RevokedKeyRejectedOthersNot()
    {
        var (service, _) = await CreateAsync();
        var registered = await service.RegisterAsync("bob@example.com", "Bob");
        var userId = registered.User!.Id;
        var first = registered.ApiKey!;

        (await service.VerifyAsync(first.Key)).ShouldNotBeNull();
        var listed = (await service.ListKeysAsync(userId)).ShouldHaveSingleItem();
        (listed.Id, listed.Prefix, listed.Label, listed.CreatedAt, listed.RevokedAt).ShouldBe((first.Id, first.Prefix, "default", first.CreatedAt, (DateTimeOffset?)null));

        _clock.Advance(TimeSpan.FromSeconds(1));
        var second = (await service.CreateKeyAsync(userId, " ci runner ")).ApiKey.ShouldNotBeNull();
        second.Label.ShouldBe("ci runner");
        second.Key.ShouldNotBe(first.Key);
        (await service.VerifyAsync(second.Key))!.KeyId.ShouldBe(second.Id);

        (await service.RevokeKeyAsync(userId, first.Id)).ShouldBeTrue();

        (await service.VerifyAsync(first.Key)).ShouldBeNull();
        (await service.VerifyAsync(second.Key))!.KeyId.ShouldBe(second.Id);
        var keys = await service.ListKeysAsync(userId);
        keys.Select(k => (k.Id, k.Label, k.IsActive)).ShouldBe([(first.Id, "default", false), (second.Id, "ci runner", true)]);
        keys[0].RevokedAt.ShouldBe(_clock.GetUtcNow());
        (await service.RevokeKeyAsync(userId, first.Id)).ShouldBeFalse("revoking twice reports that nothing was revoked");
        (await service.VerifyAsync(first.Key)).ShouldBeNull();
    }

    [SkippableFact]
    public async Task RevokeKeyAsync_AnotherUsersKeyOrUnknownId_FalseAndKeyStillVerifies()
    {
        var (service, _) = await CreateAsync();
        var owner = await service.RegisterAsync("owner@example.com", "Owner");
        var other = await service.RegisterAsync("other@example.com", "Other");

        (await service.RevokeKeyAsync(other.User!.Id, owner.ApiKey!.Id)).ShouldBeFalse();
        (await service.RevokeKeyAsync(owner.User!.Id, Guid.NewGuid().ToString("D"))).ShouldBeFalse();

        (await service.VerifyAsync(owner.ApiKey.Key)).ShouldNotBeNull();
        (await service.ListKeysAsync(other.User.Id)).Single().Id.ShouldBe(other.ApiKey!.Id);
    }

    [SkippableFact]
    public async Task CreateKeyAsync_BadLabelOrUnknownUser_TypedErrorNothingStored()
    {
        var (service, test) = await CreateAsync();
        var user = (await service.RegisterAsync("carol@example.com", "Carol")).User!;

        var empty = await service.CreateKeyAsync(user.Id, "  ");
        var tooLong = await service.CreateKeyAsync(user.Id, new string('x', 65));
        var unknown = await service.CreateKeyAsync(Guid.NewGuid().ToString("D"), "ci");
        var defaulted = await service.CreateKeyAsync(user.Id);

        empty.Error.ShouldBe(AccountError.InvalidLabel);
        tooLong.Error.ShouldBe(AccountError.InvalidLabel);
        unknown.Error.ShouldBe(AccountError.UserNotFound);
        unknown.ApiKey.ShouldBeNull();
        defaulted.ApiKey!.Label.ShouldBe("default");
        (await CountAsync(test.Database, "accounts_api_keys")).ShouldBe(2);
    }

    [SkippableFact]
    public async Task RegisterAsync_SameEmailInAnotherCase_EmailTakenAndNothingMoreStored()
    {
        var (service, test) = await CreateAsync();
        (await service.RegisterAsync("dave@example.com", "Dave")).Succeeded.ShouldBeTrue();

        var again = await service.RegisterAsync("DAVE@Example.COM", "Dave 2");

        again.Succeeded.ShouldBeFalse();
        again.Error.ShouldBe(AccountError.EmailTaken);
        again.User.ShouldBeNull();
        again.ApiKey.ShouldBeNull();
        (await CountAsync(test.Database, "accounts_users")).ShouldBe(1);
        (await CountAsync(test.Database, "accounts_api_keys")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task RegisterAsync_16ConcurrentRegistrationsOfOneEmail_ExactlyOneSucceeds()
    {
        var (service, test) = await CreateAsync();
        using var start = new SemaphoreSlim(0);

        var attempts = Enumerable.Range(0, 16).Select(async i =>
        {
            await start.WaitAsync();
            return await service.RegisterAsync(i % 2 == 0 ? "race@example.com" : "RACE@example.com", $"Racer {i}");
        }).ToList();
        start.Release(16);
        var results = await Task.WhenAll(attempts);

        results.Count(r => r.Succeeded).ShouldBe(1);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error == AccountError.EmailTaken);
        (await CountAsync(test.Database, "accounts_users")).ShouldBe(1);
        (await CountAsync(test.Database, "accounts_api_keys")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task RegisterAsync_InvalidEmailOrDisplayName_TypedErrorAndNothingStored()
    {
        var (service, test) = await CreateAsync();

        var results = new[]
        {
            (await service.RegisterAsync("not-an-email", "Eve"), AccountError.InvalidEmail),
            (await service.RegisterAsync(null, "Eve"), AccountError.InvalidEmail),
            (await service.RegisterAsync("Eve <eve@example.com>", "Eve"), AccountError.InvalidEmail),
            (await service.RegisterAsync(new string('e', 250) + "@x.io", "Eve"), AccountError.InvalidEmail),
            (await service.RegisterAsync("eve@example.com", "   "), AccountError.InvalidDisplayName),
            (await service.RegisterAsync("eve@example.com", null), AccountError.InvalidDisplayName),
            (await service.RegisterAsync("eve@example.com", new string('e', 101)), AccountError.InvalidDisplayName),
            (await service.RegisterAsync("eve@example.com", "Eve\u0000"), AccountError.InvalidDisplayName),
        };

        foreach (var (result, error) in results)
        {
            result.Succeeded.ShouldBeFalse();
            result.Error.ShouldBe(error);
            result.Message.ShouldNotBeNullOrWhiteSpace();
        }

        (await CountAsync(test.Database, "accounts_users")).ShouldBe(0);
        (await CountAsync(test.Database, "accounts_api_keys")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task VerifyAsync_MalformedKeys_NullWithoutOpeningAConnection()
    {
        var test = await CreateMigratedAsync();
        var counting = new CountingDataSource(test.Database.DataSource);
        var database = new ProxyKitDatabase(counting, test.Database.Dialect, ownsDataSource: false);
        var service = Service(database, cacheDuration: TimeSpan.Zero);
        var key = (await service.RegisterAsync("frank@example.com", "Frank")).ApiKey!.Key;
        var opensBefore = counting.Opens;

        (await service.VerifyAsync(key)).ShouldNotBeNull();
        (await Eventually.HoldsAsync(() => Task.FromResult(counting.Opens == opensBefore + 2)))
            .ShouldBeTrue("a well-formed key is looked up (the cache is off here), and its first use is written in the background");
        opensBefore = counting.Opens;

        var typo = key[..20] + (key[20] == 'a' ? 'b' : 'a') + key[21..];
        var swapped = key[..30] + key[31] + key[30] + key[32..];
        string?[] malformed = [null, "", "   ", "pp_", key[..^1], key + "x", "PP_" + key[3..], "pk_" + key[3..], $"Bearer {key}", key.Replace('p', 'q'), typo, swapped == key ? typo : swapped];
        foreach (var presented in malformed)
        {
            (await service.VerifyAsync(presented)).ShouldBeNull(presented);
        }

        counting.Opens.ShouldBe(opensBefore, "malformed keys are rejected before any query");
        (await service.VerifyAsync(ApiKeyFormat.Generate())).ShouldBeNull("a well-formed unknown key is looked up and rejected");
        counting.Opens.ShouldBe(opensBefore + 1);
    }

    [SkippableFact]
    public async Task PlaintextKey_AfterRegisterCreateVerifyRevoke_NowhereInTheDatabaseOrLogs()
    {
        var test = await CreateMigratedAsync();
        var logger = new CapturingLogger<ApiKeyService>();
        var service = Service(test.Database, logger: logger);
        var registered = await service.RegisterAsync("grace@example.com", "Grace");
        var second = (await service.CreateKeyAsync(registered.User!.Id, "laptop")).ApiKey!;
        var first = registered.ApiKey!;
        (await service.VerifyAsync(first.Key)).ShouldNotBeNull();
        (await service.VerifyAsync(second.Key)).ShouldNotBeNull();
        (await service.VerifyAsync(first.Key[..^1] + (first.Key[^1] == 'a' ? 'b' : 'a'))).ShouldBeNull();
        (await service.RevokeKeyAsync(registered.User.Id, first.Id)).ShouldBeTrue();
        (await service.VerifyAsync(first.Key)).ShouldBeNull();
        await service.DisposeAsync(); // flushes last-use writes, so every write has happened

        var dump = await DumpAccountsTablesAsync(test.Database);
        var logs = logger.AllText;
        byte[] files = Engine == TestEngine.Sqlite ? ReadSqliteFiles(test.ConnectionString) : [];

        foreach (var key in new[] { first, second })
        {
            var hashHex = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key.Key)));
            dump.ShouldContain(hashHex, customMessage: "positive control: the stored hash is in the dump");
            dump.ShouldContain(key.Id);
            logs.ShouldContain(key.Id, customMessage: "positive control: the key's creation was logged");
            foreach (var secret in new[] { key.Key, key.Key[3..], key.Key[3..45] })
            {
                dump.ShouldNotContain(secret);
                logs.ShouldNotContain(secret);
                if (Engine == TestEngine.Sqlite)
                {
                    IndexOf(files, Encoding.ASCII.GetBytes(hashHex)).ShouldBeGreaterThanOrEqualTo(0, "positive control: the raw files hold the hash");
                    IndexOf(files, Encoding.ASCII.GetBytes(secret)).ShouldBe(-1);
                    IndexOf(files, Encoding.Unicode.GetBytes(secret)).ShouldBe(-1);
                }
            }
        }

        logs.ShouldNotContain("grace@example.com");
        registered.ToString().ShouldNotContain(first.Key[3..], customMessage: "a result logged by a caller must not leak the key either");
    }

    [SkippableFact]
    public async Task VerifyAsync_RowRevokedDirectlyInSql_CachedUntilKeyCacheDurationPasses()
    {
        var (service, test) = await CreateAsync(TimeSpan.FromMinutes(1));
        var key = (await service.RegisterAsync("heidi@example.com", "Heidi")).ApiKey!;
        (await service.VerifyAsync(key.Key)).ShouldNotBeNull();

        await ExecuteAsync(test.Database, "UPDATE accounts_api_keys SET revoked_at = @now WHERE id = @id", ("now", _clock.GetUtcNow()), ("id", key.Id));

        (await service.VerifyAsync(key.Key)).ShouldNotBeNull("served from the cache, not the store");
        _clock.Advance(TimeSpan.FromSeconds(59));
        (await service.VerifyAsync(key.Key)).ShouldNotBeNull("still within KeyCacheDuration");
        _clock.Advance(TimeSpan.FromSeconds(1));
        (await service.VerifyAsync(key.Key)).ShouldBeNull("the cache entry expired and the store says revoked");
        _clock.Advance(TimeSpan.FromMinutes(5));
        (await service.VerifyAsync(key.Key)).ShouldBeNull();
    }

    [SkippableFact]
    public async Task VerifyAsync_CacheDisabled_RevocationInSqlRejectedAtOnce()
    {
        var (service, test) = await CreateAsync(TimeSpan.Zero);
        var key = (await service.RegisterAsync("ivan@example.com", "Ivan")).ApiKey!;
        (await service.VerifyAsync(key.Key)).ShouldNotBeNull();

        await ExecuteAsync(test.Database, "UPDATE accounts_api_keys SET revoked_at = @now WHERE id = @id", ("now", _clock.GetUtcNow()), ("id", key.Id));

        (await service.VerifyAsync(key.Key)).ShouldBeNull();
        service.CachedKeyCount.ShouldBe(0);
    }

    [SkippableFact]
    public async Task RevokeKeyAsync_CachedKey_RejectedAtOnceWithoutTheClockMoving()
    {
        var (service, _) = await CreateAsync(TimeSpan.FromMinutes(10));
        var registered = await service.RegisterAsync("judy@example.com", "Judy");
        (await service.VerifyAsync(registered.ApiKey!.Key)).ShouldNotBeNull();
        service.CachedKeyCount.ShouldBe(1);

        (await service.RevokeKeyAsync(registered.User!.Id, registered.ApiKey.Id)).ShouldBeTrue();

        (await service.VerifyAsync(registered.ApiKey.Key)).ShouldBeNull();
        service.CachedKeyCount.ShouldBe(0);
    }

    [SkippableFact]
    public async Task RevokeKeyAsync_TwoInstancesSharingAnInProcessBus_OtherInstanceDropsItsCachedEntry()
    {
        var test = await CreateMigratedAsync();
        var bus = Own(new InProcessEventBus());
        var a = Service(test.Database, TimeSpan.FromMinutes(10), bus);
        var b = Service(test.Database, TimeSpan.FromMinutes(10), bus);
        var registered = await a.RegisterAsync("mallory@example.com", "Mallory");
        var key = registered.ApiKey!;
        (await a.VerifyAsync(key.Key)).ShouldNotBeNull();
        (await b.VerifyAsync(key.Key)).ShouldNotBeNull();
        a.CachedKeyCount.ShouldBe(1);
        b.CachedKeyCount.ShouldBe(1);
        var clockBefore = _clock.GetUtcNow();

        (await a.RevokeKeyAsync(registered.User!.Id, key.Id)).ShouldBeTrue();

        (await a.VerifyAsync(key.Key)).ShouldBeNull();
        (await Eventually.HoldsAsync(async () => await b.VerifyAsync(key.Key) is null, TimeSpan.FromSeconds(5))).ShouldBeTrue();
        b.CachedKeyCount.ShouldBe(0);
        _clock.GetUtcNow().ShouldBe(clockBefore, "the entry was dropped by the event, not by expiry");
    }

    [SkippableFact]
    public async Task RevokeKeyAsync_TwoHostsOverRedis_OtherHostDropsItsCachedEntry()
    {
        var redis = TestEnvironment.RequireRedis();
        var test = await CreateMigratedAsync();
        var prefix = $"test:{Guid.NewGuid():N}:";
        var a = Service(test.Database, TimeSpan.FromMinutes(10), RedisBus(redis, prefix));
        var b = Service(Own(test.OpenAnotherHost()), TimeSpan.FromMinutes(10), RedisBus(redis, prefix));
        var registered = await a.RegisterAsync("oscar@example.com", "Oscar");
        var key = registered.ApiKey!;

        // The first verification starts the (asynchronous) Redis subscription; keys are cached once it is in place.
        foreach (var host in new[] { a, b })
        {
            (await host.VerifyAsync(key.Key)).ShouldNotBeNull();
            (await Eventually.HoldsAsync(() => Task.FromResult(host.IsListeningForRevocations))).ShouldBeTrue();
            (await host.VerifyAsync(key.Key)).ShouldNotBeNull();
            host.CachedKeyCount.ShouldBe(1);
        }

        (await a.RevokeKeyAsync(registered.User!.Id, key.Id)).ShouldBeTrue();

        (await a.VerifyAsync(key.Key)).ShouldBeNull();
        (await Eventually.HoldsAsync(() => Task.FromResult(b.CachedKeyCount == 0))).ShouldBeTrue("host B received the revocation over Redis");
        (await b.VerifyAsync(key.Key)).ShouldBeNull();
    }

    [SkippableFact]
    public async Task VerifyAsync_ManyUses_LastUsedAtWrittenAtMostOncePerMinute()
    {
        var (service, test) = await CreateAsync(TimeSpan.FromMinutes(1));
        var registered = await service.RegisterAsync("peggy@example.com", "Peggy");
        var key = registered.ApiKey!;
        var start = _clock.GetUtcNow();

        for (var i = 0; i < 50; i++)
        {
            (await service.VerifyAsync(key.Key)).ShouldNotBeNull();
        }

        service.LastUsesRecorded.ShouldBe(1);
        (await Eventually.HoldsAsync(async () => (await service.ListKeysAsync(registered.User!.Id)).Single().LastUsedAt == start)).ShouldBeTrue();

        _clock.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 50; i++)
        {
            (await service.VerifyAsync(key.Key)).ShouldNotBeNull();
        }

        service.LastUsesRecorded.ShouldBe(1, "less than a minute since the last record");

        _clock.Advance(TimeSpan.FromSeconds(31));
        for (var i = 0; i < 50; i++)
        {
            (await service.VerifyAsync(key.Key)).ShouldNotBeNull();
        }

        service.LastUsesRecorded.ShouldBe(2);
        var expected = start + TimeSpan.FromSeconds(61);
        (await Eventually.HoldsAsync(async () => (await service.ListKeysAsync(registered.User!.Id)).Single().LastUsedAt == expected)).ShouldBeTrue();
        (await CountAsync(test.Database, "accounts_api_keys")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task LastUseRecorder_UsesWithinOneMinute_StoreKeepsTheFirstAcrossRecorders()
    {
        var (service, test) = await CreateAsync();
        var registered = await service.RegisterAsync("trent@example.com", "Trent");
        var keyId = registered.ApiKey!.Id;
        var start = _clock.GetUtcNow();

        // Two hosts that each decided on their own that a record was due: the statement keeps the first.
        var hostA = new LastUseRecorder(test.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        hostA.Record(keyId, start);
        await hostA.DisposeAsync();
        var hostB = new LastUseRecorder(test.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        hostB.Record(keyId, start + TimeSpan.FromSeconds(20));
        hostB.Record(keyId, start + TimeSpan.FromSeconds(59));
        await hostB.DisposeAsync();
        (await service.ListKeysAsync(registered.User!.Id)).Single().LastUsedAt.ShouldBe(start);

        var hostC = new LastUseRecorder(test.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        hostC.Record(keyId, start + TimeSpan.FromSeconds(60));
        await hostC.DisposeAsync();
        (await service.ListKeysAsync(registered.User.Id)).Single().LastUsedAt.ShouldBe(start + TimeSpan.FromSeconds(60));
    }

    protected override async Task DisposeResourcesAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private async Task<(ApiKeyService Service, TestDatabase Test)> CreateAsync(TimeSpan? cacheDuration = null)
    {
        var test = await CreateMigratedAsync();
        return (Service(test.Database, cacheDuration), test);
    }

    private async Task<TestDatabase> CreateMigratedAsync()
    {
        var test = await CreateDatabaseAsync();
        await new MigrationRunner(test.Database, [MigrationModule.FromAssembly("accounts", typeof(ApiKeyService).Assembly)], TimeProvider.System).RunAsync();
        return test;
    }

    private ApiKeyService Service(ProxyKitDatabase database, TimeSpan? cacheDuration = null, IEventBus? bus = null, CapturingLogger<ApiKeyService>? logger = null)
    {
        var options = Options.Create(new AccountsOptions { KeyCacheDuration = cacheDuration ?? TimeSpan.FromMinutes(1) });
        var service = new ApiKeyService(database, options, _clock, bus ?? Own(new InProcessEventBus()), logger);
        _owned.Insert(0, service); // services first: they unsubscribe before their buses go
        return service;
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private IEventBus RedisBus(string configuration, string prefix)
    {
        var services = new ServiceCollection();
        services.AddProxyKitCoordination().UseRedis(o =>
        {
            o.Configuration = configuration;
            o.KeyPrefix = prefix;
        });
        var provider = Own(services.BuildServiceProvider());
        return provider.GetRequiredService<IEventBus>();
    }

    private static async Task<long> CountAsync(ProxyKitDatabase database, string table)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand($"SELECT COUNT(*) FROM {table}", null);
            return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
    }

    private static async Task ExecuteAsync(ProxyKitDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand(sql, null);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            (await command.ExecuteNonQueryAsync()).ShouldBe(1);
        }
    }

    // Every column of every row of every accounts_* table, as text.
    private static async Task<string> DumpAccountsTablesAsync(ProxyKitDatabase database)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            var tables = new List<string>();
            var listSql = database.Dialect.Name == "sqlite"
                ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()";
            using (var list = connection.CreateCommand(listSql, null))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            tables = [.. tables.Where(t => t.StartsWith("accounts_", StringComparison.Ordinal))];
            tables.ShouldContain("accounts_users");
            tables.ShouldContain("accounts_api_keys");
            var dump = new StringBuilder();
            foreach (var table in tables)
            {
                using var select = connection.CreateCommand($"SELECT * FROM {table}", null);
                await using var reader = await select.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        dump.Append(table).Append('.').Append(reader.GetName(i)).Append('=')
                            .Append(Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)).Append('\n');
                    }
                }
            }

            return dump.ToString();
        }
    }

    private static byte[] ReadSqliteFiles(string connectionString)
    {
        var path = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var bytes = new List<byte>();
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" }.Where(File.Exists))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes.AddRange(copy.ToArray());
        }

        bytes.Count.ShouldBeGreaterThan(0);
        return [.. bytes];
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}

public sealed class SqliteApiKeyServiceTests() : ApiKeyServiceContractTests(TestEngine.Sqlite);

public sealed class PostgresApiKeyServiceTests() : ApiKeyServiceContractTests(TestEngine.Postgres);
