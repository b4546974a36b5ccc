using ProxyKit.Storage;

namespace ProxyKit.Testing.Storage;

/// <summary>
/// The base of every store contract test: derive an abstract class holding the <c>[SkippableFact]</c> tests,
/// then one sealed class per engine (<c>: base(TestEngine.Sqlite)</c>, <c>: base(TestEngine.Postgres)</c>).
/// Each test gets a fresh database from <see cref="CreateDatabaseAsync"/>, created inside the test so a
/// missing server skips (or, under CI, fails) that test with a message naming what is missing.
/// </summary>
public abstract class StoreContractTestBase(TestEngine engine) : IAsyncLifetime
{
    private readonly List<TestDatabase> _databases = [];

    /// <summary>Gets the engine this instance runs against.</summary>
    protected TestEngine Engine { get; } = engine;

    /// <summary>Creates a fresh database that is dropped when the test ends.</summary>
    protected async Task<TestDatabase> CreateDatabaseAsync()
    {
        var database = await TestDatabase.CreateAsync(Engine);
        _databases.Add(database);
        return database;
    }

    /// <summary>Creates a fresh database and returns its <see cref="ProxyKitDatabase"/>.</summary>
    protected async Task<ProxyKitDatabase> CreateProxyKitDatabaseAsync() => (await CreateDatabaseAsync()).Database;

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    /// <summary>Releases what a test built on its databases (hosts, listeners) before the databases are dropped.</summary>
    protected virtual Task DisposeResourcesAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeResourcesAsync();
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }
}
