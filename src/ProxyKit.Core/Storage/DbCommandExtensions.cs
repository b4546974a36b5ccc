using System.Data.Common;

namespace ProxyKit.Storage;

/// <summary>Small helpers for stores that write SQL against <see cref="DbCommand"/>.</summary>
public static class DbCommandExtensions
{
    /// <summary>Creates a command on <paramref name="connection"/>, enlisted in <paramref name="transaction"/> when given.</summary>
    public static DbCommand CreateCommand(this DbConnection connection, string sql, DbTransaction? transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a named parameter (<c>@name</c> in the SQL). <see langword="null"/> is sent as <see cref="DBNull"/>; a <see cref="DateTimeOffset"/> is sent as UTC.</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            DateTimeOffset instant => instant.ToUniversalTime(),
            _ => value,
        };
        command.Parameters.Add(parameter);
        return command;
    }
}
