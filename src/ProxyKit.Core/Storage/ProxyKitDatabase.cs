using System.Data.Common;

namespace ProxyKit.Storage;

/// <summary>
/// The database every ProxyKit store in a process shares: a <see cref="DbDataSource"/> (connection pooling,
/// thread-safe) and the <see cref="SqlDialect"/> of its engine. Registered by <c>UseSqlite(...)</c> or
/// <c>UsePostgres(...)</c>; usable without DI by constructing it directly.
/// </summary>
public sealed class ProxyKitDatabase : IAsyncDisposable, IDisposable
{
    private readonly bool _ownsDataSource;

    /// <summary>Creates a database over a data source.</summary>
    /// <param name="dataSource">The connection source.</param>
    /// <param name="dialect">The dialect of the engine behind <paramref name="dataSource"/>.</param>
    /// <param name="ownsDataSource">Whether disposing this database disposes <paramref name="dataSource"/>.</param>
    /// <param name="connectionSetting">The configuration setting the connection came from, named in connection errors (never the connection string itself).</param>
    public ProxyKitDatabase(DbDataSource dataSource, SqlDialect dialect, bool ownsDataSource = true, string? connectionSetting = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(dialect);
        DataSource = dataSource;
        Dialect = dialect;
        _ownsDataSource = ownsDataSource;
        ConnectionSetting = connectionSetting ?? "the configured connection string";
    }

    /// <summary>Gets the connection source.</summary>
    public DbDataSource DataSource { get; }

    /// <summary>Gets the engine's dialect.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>Gets the configuration setting the connection came from (for error messages).</summary>
    public string ConnectionSetting { get; }

    /// <summary>Opens a pooled connection.</summary>
    /// <exception cref="ProxyKitException">The database cannot be reached; the message names <see cref="ConnectionSetting"/>.</exception>
    public async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or System.Net.Sockets.SocketException or TimeoutException or IOException)
        {
            throw new ProxyKitException($"Cannot connect to the {Dialect.Name} database configured by {ConnectionSetting}: {ex.Message}", ex, isTransient: true);
        }
    }

    /// <summary>Runs one statement on a connection of its own (autocommit) and returns the rows it affected.</summary>
    /// <param name="sql">The statement, with <c>@name</c> parameters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="parameters">The parameters' names (without <c>@</c>) and values.</param>
    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand(sql, null);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks that the database answers a trivial query.</summary>
    /// <returns><see langword="true"/> when it answered; <see langword="false"/> when the connection or query failed.</returns>
    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var command = connection.CreateCommand("SELECT 1", transaction: null);
                var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture) == 1;
            }
        }
        catch (Exception ex) when (ex is ProxyKitException or DbException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"ProxyKitDatabase({Dialect.Name})";
}
