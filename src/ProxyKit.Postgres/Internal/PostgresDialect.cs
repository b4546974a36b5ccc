using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;
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
