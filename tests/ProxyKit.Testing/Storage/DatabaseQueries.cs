using System.Data.Common;
using System.Globalization;
using ProxyKit.Storage;

namespace ProxyKit.Testing.Storage;

/// <summary>Ad-hoc SQL for tests that look behind a store (each call on its own connection, parameters as <c>@name</c>).</summary>
public static class DatabaseQueries
{
    /// <summary>The first column of the first row, <see langword="null"/> for none or SQL NULL.</summary>
    public static async Task<object?> ScalarAsync(this ProxyKitDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(database);
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = Command(connection, sql, parameters);
            var value = await command.ExecuteScalarAsync();
            return value is DBNull ? null : value;
        }
    }

    /// <summary>A scalar as a number (a <c>COUNT(*)</c>).</summary>
    public static async Task<long> CountAsync(this ProxyKitDatabase database, string sql, params (string Name, object? Value)[] parameters) =>
        Convert.ToInt64(await database.ScalarAsync(sql, parameters), CultureInfo.InvariantCulture);

    /// <summary>Every value of the first column, as invariant text (or null).</summary>
    public static async Task<List<string?>> ColumnAsync(this ProxyKitDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(database);
        var values = new List<string?>();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = Command(connection, sql, parameters);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                values.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture));
            }
        }

        return values;
    }

    /// <summary>Every row of a query, each column by name as invariant text (or null).</summary>
    public static async Task<List<Dictionary<string, string?>>> RowsAsync(this ProxyKitDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(database);
        var rows = new List<Dictionary<string, string?>>();
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            using var command = Command(connection, sql, parameters);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new Dictionary<string, string?>(StringComparer.Ordinal);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    private static DbCommand Command(DbConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand(sql, null);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        return command;
    }
}
