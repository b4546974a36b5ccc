using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace ProxyKit.Sqlite.Internal;

/// <summary>
/// A <see cref="DbDataSource"/> over Microsoft.Data.Sqlite (which has none of its own). Connections are pooled by
/// Microsoft.Data.Sqlite; the first open creates the folder and switches the file to WAL (which persists).
/// </summary>
internal sealed class SqliteDataSource : DbDataSource
{
    private readonly string _connectionString;
    private readonly string _path;
    private int _initialized;

    public SqliteDataSource(SqliteConnectionStringBuilder builder)
    {
        builder.ForeignKeys = true;
        builder.Pooling = true;
        _connectionString = builder.ToString();
        _path = builder.DataSource;
    }

    public override string ConnectionString => _connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(_connectionString);

    // Microsoft.Data.Sqlite does file I/O synchronously even in its async methods, so one path serves both.
    protected override ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(OpenDbConnection());
    }

    protected override DbConnection OpenDbConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            var first = Volatile.Read(ref _initialized) == 0;
            if (first)
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(_path));
                if (!string.IsNullOrEmpty(folder))
                {
                    Directory.CreateDirectory(folder);
                }
            }

            connection.Open();
            using var pragma = connection.CreateCommand();
            // busy_timeout: SQLite waits for the write lock itself, in steps of 1-100 ms. Without it Microsoft.Data.Sqlite
            // retries SQLITE_BUSY after sleeping the thread 150 ms, which made p99 of contended writes hundreds of ms.
            pragma.CommandText = first
                ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;"
                : "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
            pragma.ExecuteNonQuery();
            Volatile.Write(ref _initialized, 1);
            return connection;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection.Dispose();
            throw new ProxyKitException(
                $"Cannot open the SQLite database '{_path}' configured by {SqliteStorageOptions.ConnectionStringSetting}: {ex.Message}", ex, isTransient: ex is SqliteException);
        }
    }
}
