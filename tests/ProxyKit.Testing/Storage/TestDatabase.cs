using Npgsql;
using ProxyKit.Postgres;
using ProxyKit.Sqlite;
using ProxyKit.Storage;

namespace ProxyKit.Testing.Storage;

/// <summary>
/// A throwaway database for one test: a new SQLite file, or a new PostgreSQL database created on the test
/// server and dropped on disposal. Tests get isolation without cleaning up after each other.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<ValueTask> _drop;

    private TestDatabase(TestEngine engine, string connectionString, ProxyKitDatabase database, Func<ValueTask> drop)
    {
        Engine = engine;
        ConnectionString = connectionString;
        Database = database;
        _drop = drop;
    }

    /// <summary>Gets the engine.</summary>
    public TestEngine Engine { get; }

    /// <summary>Gets the connection string of this database (for a second, independent <see cref="ProxyKitDatabase"/>).</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the database.</summary>
    public ProxyKitDatabase Database { get; }

    /// <summary>Creates a fresh, empty database, skipping (failing under CI) when the engine's server is missing.</summary>
    public static async Task<TestDatabase> CreateAsync(TestEngine engine)
    {
        switch (engine)
        {
            case TestEngine.Sqlite:
            {
                var folder = Directory.CreateTempSubdirectory("proxykit-test-").FullName;
                var connectionString = $"Data Source={Path.Combine(folder, "test.db")}";
                return new TestDatabase(engine, connectionString, SqliteStorage.CreateDatabase(connectionString), () =>
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(folder, recursive: true);
                    return ValueTask.CompletedTask;
                });
            }

            case TestEngine.Postgres:
            {
                var server = TestEnvironment.RequirePostgres();
                var name = "pk_test_" + Guid.NewGuid().ToString("N")[..16];
                await using (var admin = new NpgsqlConnection(server))
                {
                    await admin.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                    await create.ExecuteNonQueryAsync();
                }

                var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
                return new TestDatabase(engine, connectionString, PostgresStorage.CreateDatabase(connectionString), async () =>
                {
                    await using var admin = new NpgsqlConnection(server);
                    await admin.OpenAsync();
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
                    await drop.ExecuteNonQueryAsync();
                });
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(engine), engine, null);
        }
    }

    /// <summary>Opens another, independent <see cref="ProxyKitDatabase"/> on the same database (as a second host would).</summary>
    public ProxyKitDatabase OpenAnotherHost() => Engine switch
    {
        TestEngine.Sqlite => SqliteStorage.CreateDatabase(ConnectionString),
        _ => PostgresStorage.CreateDatabase(ConnectionString),
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await _drop();
    }
}
