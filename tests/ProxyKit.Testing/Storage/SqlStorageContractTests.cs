using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Testing.Storage;

/// <summary>
/// What every engine must do for ProxyKit's stores: migrations (idempotent, exactly once under concurrent
/// hosts, atomic per script, tamper-evident), unique-violation mapping, upserts, UTC instants, and the
/// conditional-update and claim patterns the domain stores rely on for correctness under concurrency.
/// </summary>
public abstract class SqlStorageContractTests(TestEngine engine) : StoreContractTestBase(engine)
{
    private static readonly MigrationScript CreateLog = new(1, "create_log", "CREATE TABLE apply_log (script INTEGER NOT NULL); INSERT INTO apply_log (script) VALUES (1);");
    private static readonly MigrationScript AppendLog = new(2, "append_log", "INSERT INTO apply_log (script) VALUES (2);");

    [SkippableFact]
    public async Task RunAsync_TwiceOnTheSameDatabase_SecondRunAppliesNothing()
    {
        var database = await CreateProxyKitDatabaseAsync();
        var module = MigrationModule.FromScripts("contract", [CreateLog, AppendLog]);

        var first = await Runner(database, module).RunAsync();
        var second = await Runner(database, module).RunAsync();

        first.Select(m => m.Version).ShouldBe([1, 2]);
        second.ShouldBeEmpty();
        (await CountAsync(database, "SELECT COUNT(*) FROM apply_log")).ShouldBe(2);
        (await CountAsync(database, $"SELECT COUNT(*) FROM {MigrationRunner.HistoryTable} WHERE module = 'contract'")).ShouldBe(2);
    }

    [SkippableFact]
    public async Task RunAsync_EightHostsAtOnce_EachScriptAppliedExactlyOnce()
    {
        var test = await CreateDatabaseAsync();
        var module = MigrationModule.FromScripts("contract", [CreateLog, AppendLog, new(3, "append_more", "INSERT INTO apply_log (script) VALUES (3);")]);
        var hosts = Enumerable.Range(0, 8).Select(_ => test.OpenAnotherHost()).ToList();
        try
        {
            using var start = new SemaphoreSlim(0);
            var runs = hosts.Select(async host =>
            {
                await start.WaitAsync();
                return await Runner(host, module).RunAsync();
            }).ToList();
            start.Release(hosts.Count);
            var results = await Task.WhenAll(runs);

            results.Sum(r => r.Count).ShouldBe(3, "each script is applied by exactly one host");
            (await CountAsync(test.Database, "SELECT COUNT(*) FROM apply_log")).ShouldBe(3);
            (await CountAsync(test.Database, "SELECT COUNT(DISTINCT script) FROM apply_log")).ShouldBe(3);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task RunAsync_ScriptFails_RollsItBackAndNamesIt()
    {
        var database = await CreateProxyKitDatabaseAsync();
        var broken = new MigrationScript(2, "broken", "CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1);");

        var error = await Should.ThrowAsync<ProxyKitException>(() => Runner(database, MigrationModule.FromScripts("contract", [CreateLog, broken])).RunAsync());

        error.Message.ShouldContain("contract/0002_broken");
        (await TableExistsAsync(database, "apply_log")).ShouldBeTrue("script 1 committed before script 2 failed");
        (await TableExistsAsync(database, "half_done")).ShouldBeFalse("a failed script leaves nothing half-written");
        (await CountAsync(database, $"SELECT COUNT(*) FROM {MigrationRunner.HistoryTable}")).ShouldBe(1);

        var fixedScript = broken with { Sql = "CREATE TABLE half_done (id INTEGER);" };
        var applied = await Runner(database, MigrationModule.FromScripts("contract", [CreateLog, fixedScript])).RunAsync();
        applied.Single().Version.ShouldBe(2);
    }

    [SkippableFact]
    public async Task RunAsync_AppliedScriptWasEdited_FailsNamingTheScript()
    {
        var database = await CreateProxyKitDatabaseAsync();
        await Runner(database, MigrationModule.FromScripts("contract", [CreateLog])).RunAsync();

        var edited = CreateLog with { Sql = CreateLog.Sql + " INSERT INTO apply_log (script) VALUES (9);" };
        var error = await Should.ThrowAsync<ProxyKitException>(() => Runner(database, MigrationModule.FromScripts("contract", [edited])).RunAsync());

        error.Message.ShouldContain("contract/0001_create_log");
        error.Message.ShouldContain("changed after it was applied");
    }

    [SkippableFact]
    public async Task RunAsync_EngineSpecificScript_WinsOverSharedOne()
    {
        var database = await CreateProxyKitDatabaseAsync();
        var dialect = database.Dialect.Name;
        var module = MigrationModule.FromScripts("contract",
        [
            new(1, "pick", "CREATE TABLE picked (engine TEXT NOT NULL); INSERT INTO picked VALUES ('shared');"),
            new(1, "pick", $"CREATE TABLE picked (engine TEXT NOT NULL); INSERT INTO picked VALUES ('{dialect}');", dialect),
            new(1, "pick", "this is not SQL for this engine", "some_other_engine"),
        ]);

        await Runner(database, module).RunAsync();

        (await ScalarAsync(database, "SELECT engine FROM picked")).ShouldBe(dialect);
    }

    [SkippableFact]
    public async Task TryGetUniqueViolation_DuplicateKey_RecognisedOnEitherConstraintName()
    {
        var database = await CreateProxyKitDatabaseAsync();
        await ExecuteAsync(database, "CREATE TABLE proxies (id INTEGER PRIMARY KEY, ip TEXT NOT NULL, port INTEGER NOT NULL, session TEXT NULL)");
        await ExecuteAsync(database, "CREATE UNIQUE INDEX ux_proxies_ip_port ON proxies (ip, port)");
        await ExecuteAsync(database, "CREATE UNIQUE INDEX ux_proxies_session ON proxies (session)");
        await ExecuteAsync(database, "INSERT INTO proxies (id, ip, port, session) VALUES (1, '2001:db8::1', 8080, 'secret-cookie')");

        var byAddress = await CaptureAsync(database, "INSERT INTO proxies (id, ip, port) VALUES (2, '2001:db8::1', 8080)");
        var bySession = await CaptureAsync(database, "INSERT INTO proxies (id, ip, port, session) VALUES (3, '2001:db8::2', 8080, 'secret-cookie')");
        var byKey = await CaptureAsync(database, "INSERT INTO proxies (id, ip, port) VALUES (1, '2001:db8::3', 1)");
        var notNull = await CaptureAsync(database, "INSERT INTO proxies (id, ip, port) VALUES (4, NULL, 1)");

        database.Dialect.TryGetUniqueViolation(byAddress, out var address).ShouldBeTrue();
        address!.Matches("ux_proxies_ip_port", "ip", "port").ShouldBeTrue();
        address.Matches("ux_proxies_session", "session").ShouldBeFalse();
        database.Dialect.TryGetUniqueViolation(bySession, out var session).ShouldBeTrue();
        session!.Matches("ux_proxies_session", "session").ShouldBeTrue();
        session.Matches("ux_proxies_ip_port", "ip", "port").ShouldBeFalse();
        session.ToString().ShouldNotContain("secret-cookie");
        database.Dialect.TryGetUniqueViolation(byKey, out _).ShouldBeTrue();
        database.Dialect.TryGetUniqueViolation(notNull, out _).ShouldBeFalse();
    }

    [SkippableFact]
    public async Task Upsert_SameKeyTwice_InsertsThenUpdates()
    {
        var database = await CreateProxyKitDatabaseAsync();
        await ExecuteAsync(database, "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL, hits INTEGER NOT NULL)");
        var sql = database.Dialect.Upsert("settings", ["name"], ["name", "value", "hits"]);

        await ExecuteAsync(database, sql, ("name", "a"), ("value", "first"), ("hits", 1));
        await ExecuteAsync(database, sql, ("name", "a"), ("value", "second"), ("hits", 2));

        (await ScalarAsync(database, "SELECT value FROM settings WHERE name = 'a'")).ShouldBe("second");
        (await CountAsync(database, "SELECT COUNT(*) FROM settings")).ShouldBe(1);
    }

    [SkippableFact]
    public async Task Instants_WrittenAsUtcParameters_RoundTripAndSortInTimeOrder()
    {
        var database = await CreateProxyKitDatabaseAsync();
        await ExecuteAsync(database, $"CREATE TABLE events (id INTEGER PRIMARY KEY, at {database.Dialect.TimestampType} NOT NULL)");
        var early = new DateTimeOffset(2026, 3, 1, 9, 30, 15, 123, TimeSpan.FromHours(2)); // 07:30:15.123Z
        var late = new DateTimeOffset(2026, 3, 1, 8, 0, 0, 0, TimeSpan.Zero);

        await ExecuteAsync(database, "INSERT INTO events (id, at) VALUES (1, @at)", ("at", late));
        await ExecuteAsync(database, "INSERT INTO events (id, at) VALUES (2, @at)", ("at", early));

        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand("SELECT id, at FROM events WHERE at > @since ORDER BY at", null).With("since", early.AddHours(-1));
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<(long Id, DateTimeOffset At)>();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1)));
            }

            rows.Select(r => r.Id).ShouldBe([2L, 1L]);
            rows[0].At.ShouldBe(early);
            rows[0].At.Offset.ShouldBe(TimeSpan.Zero);
            rows[1].At.ShouldBe(late);
        }
    }

    [SkippableFact]
    public async Task ConditionalUpdate_64ConcurrentSpendersOf100_ExactlyTheBalanceIsSpent()
    {
        var test = await CreateDatabaseAsync();
        await ExecuteAsync(test.Database, "CREATE TABLE balances (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))");
        await ExecuteAsync(test.Database, "INSERT INTO balances (id, balance) VALUES (1, 100)");
        var successes = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 160), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (_, ct) =>
        {
            var connection = await test.Database.OpenConnectionAsync(ct);
            await using (connection)
            {
                await using var transaction = await test.Database.Dialect.BeginWriteTransactionAsync(connection, ct);
                using var spend = connection.CreateCommand("UPDATE balances SET balance = balance - 1 WHERE id = 1 AND balance >= 1 RETURNING balance", transaction);
                var left = await spend.ExecuteScalarAsync(ct);
                await transaction.CommitAsync(ct);
                if (left is not null)
                {
                    Interlocked.Increment(ref successes);
                }
            }
        });

        successes.ShouldBe(100);
        (await CountAsync(test.Database, "SELECT balance FROM balances WHERE id = 1")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task ClaimQuery_FourConcurrentWorkers_EachJobClaimedExactlyOnce()
    {
        var test = await CreateDatabaseAsync();
        var dialect = test.Database.Dialect;
        await ExecuteAsync(test.Database, "CREATE TABLE jobs (id INTEGER PRIMARY KEY, owner TEXT NULL)");
        for (var i = 1; i <= 40; i++)
        {
            await ExecuteAsync(test.Database, "INSERT INTO jobs (id) VALUES (@id)", ("id", i));
        }

        var claimSql = $"UPDATE jobs SET owner = @owner WHERE id IN (SELECT id FROM jobs WHERE owner IS NULL ORDER BY id LIMIT 3 {dialect.ForUpdateSkipLocked}) RETURNING id";
        var claimed = new ConcurrentBag<long>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async worker =>
        {
            var host = test.OpenAnotherHost();
            await using (host)
            {
                while (true)
                {
                    var connection = await host.OpenConnectionAsync();
                    await using (connection)
                    {
                        await using var transaction = await dialect.BeginWriteTransactionAsync(connection, default);
                        using var claim = connection.CreateCommand(claimSql, transaction).With("owner", $"worker-{worker}");
                        var batch = new List<long>();
                        await using (var reader = await claim.ExecuteReaderAsync())
                        {
                            while (await reader.ReadAsync())
                            {
                                batch.Add(reader.GetInt64(0));
                            }
                        }

                        await transaction.CommitAsync();
                        if (batch.Count == 0)
                        {
                            return;
                        }

                        batch.ForEach(claimed.Add);
                    }
                }
            }
        }));

        claimed.Count.ShouldBe(40);
        claimed.Distinct().Count().ShouldBe(40, "no job may be claimed twice");
        (await CountAsync(test.Database, "SELECT COUNT(*) FROM jobs WHERE owner IS NULL")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task PingAsync_ReachableDatabase_ReturnsTrue()
    {
        var database = await CreateProxyKitDatabaseAsync();

        (await database.PingAsync()).ShouldBeTrue();
    }

    /// <summary>Creates a runner over <paramref name="database"/> with a fixed clock.</summary>
    protected static MigrationRunner Runner(ProxyKitDatabase database, params MigrationModule[] modules) =>
        new(database, modules, new ManualTimeProvider());

    /// <summary>Runs a statement with parameters.</summary>
    protected static async Task ExecuteAsync(ProxyKitDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand(sql, null);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Runs a scalar query returning a number.</summary>
    protected static async Task<long> CountAsync(ProxyKitDatabase database, string sql) =>
        Convert.ToInt64(await ScalarObjectAsync(database, sql), CultureInfo.InvariantCulture);

    /// <summary>Runs a scalar query returning text.</summary>
    protected static async Task<string?> ScalarAsync(ProxyKitDatabase database, string sql) =>
        (string?)await ScalarObjectAsync(database, sql);

    private static async Task<object?> ScalarObjectAsync(ProxyKitDatabase database, string sql)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = connection.CreateCommand(sql, null);
            return await command.ExecuteScalarAsync();
        }
    }

    private static async Task<bool> TableExistsAsync(ProxyKitDatabase database, string table)
    {
        try
        {
            await CountAsync(database, $"SELECT COUNT(*) FROM {table}");
            return true;
        }
        catch (DbException)
        {
            return false;
        }
    }

    private static async Task<Exception> CaptureAsync(ProxyKitDatabase database, string sql) =>
        await Should.ThrowAsync<DbException>(() => ExecuteAsync(database, sql));
}
