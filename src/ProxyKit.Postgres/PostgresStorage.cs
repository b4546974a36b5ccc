using Npgsql;
using ProxyKit.Postgres.Internal;
using ProxyKit.Storage;

namespace ProxyKit.Postgres;

/// <summary>Creates PostgreSQL-backed <see cref="ProxyKitDatabase"/> instances without DI.</summary>
public static class PostgresStorage
{
    /// <summary>Creates a database from options. No connection is opened until first use.</summary>
    /// <exception cref="ProxyKitException">The connection string is missing or invalid; the message names the setting.</exception>
    public static ProxyKitDatabase CreateDatabase(PostgresStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = Parse(options.ConnectionString, out var error) ?? throw new ProxyKitException(error!);
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        return new ProxyKitDatabase(dataSource, PostgresDialect.Instance, ownsDataSource: true, PostgresStorageOptions.ConnectionStringSetting);
    }

    /// <summary>Creates a database from a connection string.</summary>
    public static ProxyKitDatabase CreateDatabase(string connectionString) =>
        CreateDatabase(new PostgresStorageOptions { ConnectionString = connectionString });

    /// <summary>Wraps an existing data source (its owner keeps disposing it).</summary>
    public static ProxyKitDatabase CreateDatabase(NpgsqlDataSource dataSource) =>
        new(dataSource, PostgresDialect.Instance, ownsDataSource: false, "the NpgsqlDataSource given to PostgresStorage");

    internal static NpgsqlConnectionStringBuilder? Parse(string? connectionString, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = $"{PostgresStorageOptions.ConnectionStringSetting} is required when PostgreSQL storage is used (e.g. 'Host=127.0.0.1;Database=proxykit;Username=proxykit;Password=...').";
            return null;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                error = $"{PostgresStorageOptions.ConnectionStringSetting} names no Host.";
                return null;
            }

            builder.ApplicationName ??= "ProxyKit";
            return builder;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            // Npgsql's message names the bad keyword, never the password's value.
            error = $"{PostgresStorageOptions.ConnectionStringSetting} is not a valid Npgsql connection string: {ex.Message}";
            return null;
        }
    }
}
