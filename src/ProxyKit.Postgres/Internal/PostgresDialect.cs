using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;
using NpgsqlTypes;
using ProxyKit.Storage;

namespace ProxyKit.Postgres.Internal;

internal sealed class PostgresDialect : SqlDialect
{
    // pg_advisory_xact_lock key shared by every ProxyKit host: the ASCII bytes of "PROXYKIT".
    private const long MigrationLockKey = 0x50524F58594B4954;

    public static PostgresDialect Instance { get; } = new();

    public override string Name => "postgres";

    public override bool SupportsSkipLocked => true;

    public override string ForUpdate => "FOR UPDATE";

    public override string ForUpdateSkipLocked => "FOR UPDATE SKIP LOCKED";

    public override string TimestampType => "timestamptz";

    public override bool TryGetUniqueViolation(Exception exception, [NotNullWhen(true)] out UniqueViolation? violation)
    {
        if (exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres)
        {
            // The detail (which carries the offending values) is deliberately not used.
            violation = new UniqueViolation(postgres.ConstraintName, []);
            return true;
        }

        violation = null;
        return false;
    }

    public override async ValueTask<long> BulkCopyAsync(
        DbConnection connection, DbTransaction? transaction, string table, IReadOnlyList<BulkColumn> columns,
        IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var npgsql = connection as NpgsqlConnection
            ?? throw new ArgumentException("PostgreSQL bulk copies need an NpgsqlConnection.", nameof(connection));
        var types = columns.Select(c => c.Type switch
        {
            BulkColumnType.Text => NpgsqlDbType.Text,
            BulkColumnType.Integer => NpgsqlDbType.Integer,
            BulkColumnType.BigInt => NpgsqlDbType.Bigint,
            BulkColumnType.DoublePrecision => NpgsqlDbType.Double,
            BulkColumnType.Boolean => NpgsqlDbType.Boolean,
            BulkColumnType.Timestamp => NpgsqlDbType.TimestampTz,
            _ => throw new ArgumentOutOfRangeException(nameof(columns), c.Type, "Unknown column type."),
        }).ToArray();

        // The transaction is the connection's own: COPY joins it without being told.
        var importer = await npgsql.BeginBinaryImportAsync(
            $"COPY {table} ({string.Join(", ", columns.Select(c => c.Name))}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                if (row.Length != types.Length)
                {
                    throw new ArgumentException($"A row has {row.Length} values for {types.Length} columns.", nameof(rows));
                }

                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var c = 0; c < types.Length; c++)
                {
                    switch (row[c])
                    {
                        case null:
                            await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case DateTimeOffset instant:
                            await importer.WriteAsync(instant.ToUniversalTime(), types[c], cancellationToken).ConfigureAwait(false);
                            break;
                        case var value:
                            await importer.WriteAsync(value, types[c], cancellationToken).ConfigureAwait(false);
                            break;
                    }
                }
            }

            return (long)await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = connection.CreateCommand("SELECT pg_advisory_xact_lock(@key)", transaction).With("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
