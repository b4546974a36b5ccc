using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Sqlite.Tests;

public sealed class SqliteStorageTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("proxykit-sqlite-");

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("Data Source=:memory:", "in-memory")]
    [InlineData("Data Source=x.db;Mode=Memory", "in-memory")]
    [InlineData("Data Source=x.db;Bogus Keyword=1", "not a valid SQLite connection string")]
    [InlineData("Cache=Shared", "names no 'Data Source'")]
    public void CreateDatabase_BadConnectionString_FailsNamingTheSetting(string connectionString, string reason)
    {
        var error = Should.Throw<ProxyKitException>(() => SqliteStorage.CreateDatabase(connectionString));

        error.Message.ShouldContain(SqliteStorageOptions.ConnectionStringSetting);
        error.Message.ShouldContain(reason);
    }

    [Fact]
    public async Task Host_BadConnectionString_FailsAtStartNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitStorage().UseSqlite("Data Source=:memory:");
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(SqliteStorageOptions.ConnectionStringSetting);
    }

    [Fact]
    public async Task Host_FolderMissing_CreatesItAppliesMigrationsAndRunsInWalMode()
    {
        var path = Path.Combine(_folder.FullName, "nested", "deeper", "proxykit.db");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitStorage().UseSqlite($"Data Source={path}");
        builder.Services.AddProxyKitStorage().UseSqlite($"Data Source={path}"); // twice is safe
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            File.Exists(path).ShouldBeTrue();
            var database = host.Services.GetRequiredService<ProxyKitDatabase>();
            database.Dialect.Name.ShouldBe("sqlite");
            var connection = await database.OpenConnectionAsync();
            await using (connection)
            {
                using var mode = connection.CreateCommand("PRAGMA journal_mode", null);
                (await mode.ExecuteScalarAsync()).ShouldBe("wal");
                using var history = connection.CreateCommand($"SELECT COUNT(*) FROM {MigrationRunner.HistoryTable}", null);
                (await history.ExecuteScalarAsync()).ShouldBe(0L);
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task OpenConnectionAsync_UnwritableLocation_FailsNamingTheSetting()
    {
        var blocker = Path.Combine(_folder.FullName, "file-not-folder");
        await File.WriteAllTextAsync(blocker, "x");
        await using var database = SqliteStorage.CreateDatabase($"Data Source={Path.Combine(blocker, "db.sqlite")}");

        var error = await Should.ThrowAsync<ProxyKitException>(async () => await database.OpenConnectionAsync());

        error.Message.ShouldContain(SqliteStorageOptions.ConnectionStringSetting);
        (await database.PingAsync()).ShouldBeFalse();
    }

    [Fact]
    public void UseSqlite_CalledTwice_RegistersNothingTwice() =>
        Testing.DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitStorage().UseSqlite());

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}
