using Microsoft.Data.Sqlite;
using ProxyKit.Sqlite.Internal;
using ProxyKit.Storage;

namespace ProxyKit.Sqlite;

/// <summary>Creates SQLite-backed <see cref="ProxyKitDatabase"/> instances without DI.</summary>
public static class SqliteStorage
{
    /// <summary>Creates a database from options.</summary>
    /// <exception cref="ProxyKitException">The connection string is invalid; the message names the setting.</exception>
    public static ProxyKitDatabase CreateDatabase(SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Parse(options.ConnectionString, out var error)
            ?? throw new ProxyKitException(error!);
        return new ProxyKitDatabase(new SqliteDataSource(builder), SqliteDialect.Instance, ownsDataSource: true, SqliteStorageOptions.ConnectionStringSetting);
    }

    /// <summary>Creates a database from a connection string (for example <c>Data Source=/var/lib/proxykit/proxykit.db</c>).</summary>
    public static ProxyKitDatabase CreateDatabase(string connectionString) =>
        CreateDatabase(new SqliteStorageOptions { ConnectionString = connectionString });

    internal static SqliteConnectionStringBuilder? Parse(string? connectionString, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = $"{SqliteStorageOptions.ConnectionStringSetting} is empty; set it to e.g. 'Data Source=./data/proxykit.db'.";
            return null;
        }

        try
        {
            var builder = new SqliteConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                error = $"{SqliteStorageOptions.ConnectionStringSetting} names no 'Data Source' file.";
                return null;
            }

            if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource.Trim() == ":memory:")
            {
                error = $"{SqliteStorageOptions.ConnectionStringSetting} names an in-memory database; ProxyKit needs a file (each pooled connection would see its own empty memory database).";
                return null;
            }

            return builder;
        }
        catch (ArgumentException ex)
        {
            error = $"{SqliteStorageOptions.ConnectionStringSetting} is not a valid SQLite connection string: {ex.Message}";
            return null;
        }
    }
}
