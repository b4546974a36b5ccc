using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using ProxyKit.Storage;

namespace ProxyKit.Sqlite.Internal;

internal sealed class SqliteDialect : SqlDialect
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    public static SqliteDialect Instance { get; } = new();

    public override string Name => "sqlite";

    public override bool SupportsSkipLocked => false;

    public override string ForUpdate => string.Empty;

    public override string ForUpdateSkipLocked => string.Empty;

    public override string TimestampType => "TEXT";

    // SQLite resolves each named parameter by a scan of the statement's names: binding hundreds of rows' parameters is
    // quadratic (10,000 rows of 15 columns took 6 s at 256 rows per statement). A small statement reused is linear.
    protected override int BulkInsertRowsPerStatement => 8;

    public override bool TryGetUniqueViolation(Exception exception, [NotNullWhen(true)] out UniqueViolation? violation)
    {
        violation = null;
        if (exception is not SqliteException { SqliteErrorCode: SqliteConstraint } sqlite
            || sqlite.SqliteExtendedErrorCode is not (SqliteConstraintUnique or SqliteConstraintPrimaryKey))
        {
            return false;
        }

        // "SQLite Error 19: 'UNIQUE constraint failed: proxies.ip, proxies.port'." or "... failed: index 'ux_name''."
        var message = sqlite.Message;
        var start = message.IndexOf("failed: ", StringComparison.Ordinal);
        var detail = start < 0 ? string.Empty : message[(start + 8)..].TrimEnd('.', '\'');
        if (detail.StartsWith("index '", StringComparison.Ordinal))
        {
            violation = new UniqueViolation(detail[7..].TrimEnd('\''), []);
            return true;
        }

        var columns = detail.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c[(c.LastIndexOf('.') + 1)..])
            .ToList();
        violation = new UniqueViolation(null, columns);
        return true;
    }

    public override ValueTask<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        cancellationToken.ThrowIfCancellationRequested();

        // deferred: false issues BEGIN IMMEDIATE; Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout.
        return ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
    }

    public override ValueTask<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        BeginWriteTransactionAsync(connection, cancellationToken);
}
