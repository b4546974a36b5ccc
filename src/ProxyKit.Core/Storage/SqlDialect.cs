using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace ProxyKit.Storage;

/// <summary>
/// The small seam between stores written once against <see cref="DbDataSource"/> and the SQL engines
/// ProxyKit supports. Everything both engines spell the same way (parameters as <c>@name</c>,
/// <c>RETURNING</c>, <c>ON CONFLICT</c>) is plain SQL in the stores; only real differences live here.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>Gets the engine name (<c>postgres</c>, <c>sqlite</c>): it selects engine-specific migration scripts.</summary>
    public abstract string Name { get; }

    /// <summary>Gets whether the engine supports <c>SELECT ... FOR UPDATE SKIP LOCKED</c> claims.</summary>
    /// <remarks>When it does not (SQLite has one writer at a time), claims are single conditional <c>UPDATE ... RETURNING</c> statements inside a write transaction.</remarks>
    public abstract bool SupportsSkipLocked { get; }

    /// <summary>Gets the row-locking suffix for claim queries: <c>FOR UPDATE SKIP LOCKED</c>, or empty where the engine serialises writers.</summary>
    public abstract string ForUpdateSkipLocked { get; }

    /// <summary>Gets the row-locking suffix that makes a read part of a read-modify-write (<c>FOR UPDATE</c>), or empty where the write transaction already excludes every other writer.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Gets the column type for an instant (<c>timestamptz</c>, or ISO-8601 UTC <c>TEXT</c>). Instants are always written as UTC <see cref="DateTimeOffset"/> parameters.</summary>
    public abstract string TimestampType { get; }

    /// <summary>Gets the placeholder for the parameter <paramref name="name"/> (<c>@name</c> on every engine ProxyKit ships).</summary>
    public virtual string Parameter(string name) => "@" + name;

    /// <summary>
    /// Builds <c>INSERT INTO table (columns) VALUES (@columns) ON CONFLICT (keys) DO UPDATE SET ...</c>,
    /// updating every non-key column from the proposed row. Column names must be trusted identifiers.
    /// </summary>
    public virtual string Upsert(string table, IReadOnlyList<string> keyColumns, IReadOnlyList<string> columns)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        ArgumentNullException.ThrowIfNull(keyColumns);
        ArgumentNullException.ThrowIfNull(columns);
        if (keyColumns.Count == 0 || columns.Count == 0)
        {
            throw new ArgumentException("An upsert needs at least one key column and one column.");
        }

        var updates = columns.Where(c => !keyColumns.Contains(c, StringComparer.Ordinal)).Select(c => $"{c} = excluded.{c}").ToList();
        var onConflict = updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates);
        return $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(Parameter))}) " +
               $"ON CONFLICT ({string.Join(", ", keyColumns)}) {onConflict}";
    }

    /// <summary>Recognises a unique-constraint violation raised by this engine.</summary>
    /// <param name="exception">The exception a command threw.</param>
    /// <param name="violation">The violated constraint, when recognised.</param>
    /// <returns>Whether <paramref name="exception"/> is a unique (or primary key) violation.</returns>
    public abstract bool TryGetUniqueViolation(Exception exception, [NotNullWhen(true)] out UniqueViolation? violation);

    /// <summary>
    /// Begins a transaction that will write. On SQLite this takes the write lock at once (<c>BEGIN IMMEDIATE</c>),
    /// so two writers queue instead of failing with a lock upgrade deadlock; on PostgreSQL it is a plain
    /// READ COMMITTED transaction whose conditional statements carry the correctness.
    /// </summary>
    public abstract ValueTask<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Begins a transaction that holds the database-wide migration lock until it ends, so two hosts starting
    /// at once apply each script exactly once (an advisory lock on PostgreSQL, <c>BEGIN IMMEDIATE</c> on SQLite).
    /// </summary>
    public abstract ValueTask<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="rows"/> into <paramref name="table"/> (typically a temporary staging table the caller then
    /// merges from) as fast as the engine allows. This default sends multi-row <c>INSERT</c>s of up to
    /// <see cref="BulkInsertRowsPerStatement"/> rows; PostgreSQL overrides it with binary <c>COPY</c>.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The transaction to write in, or <see langword="null"/>.</param>
    /// <param name="table">The target table (a trusted identifier).</param>
    /// <param name="columns">The columns each row fills, in order.</param>
    /// <param name="rows">The rows; each array holds one value per column (<see langword="null"/> for SQL NULL).</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>How many rows were written.</returns>
    public virtual async ValueTask<long> BulkCopyAsync(
        DbConnection connection, DbTransaction? transaction, string table, IReadOnlyList<BulkColumn> columns,
        IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(table);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var columnList = string.Join(", ", columns.Select(c => c.Name));
        DbCommand? full = null;
        var batch = new List<object?[]>(BulkInsertRowsPerStatement);
        long written = 0;
        try
        {
            foreach (var row in rows)
            {
                if (row.Length != columns.Count)
                {
                    throw new ArgumentException($"A row has {row.Length} values for {columns.Count} columns.", nameof(rows));
                }

                batch.Add(row);
                if (batch.Count == BulkInsertRowsPerStatement)
                {
                    // Full batches reuse one prepared statement; only the tail gets its own.
                    full ??= CreateInsert(batch.Count);
                    Bind(full, batch);
                    written += await full.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                using var tail = CreateInsert(batch.Count);
                Bind(tail, batch);
                written += await tail.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            full?.Dispose();
        }

        return written;

        DbCommand CreateInsert(int count)
        {
            var sql = new System.Text.StringBuilder($"INSERT INTO {table} ({columnList}) VALUES ");
            for (var r = 0; r < count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    sql.Append(c == 0 ? string.Empty : ", ").Append(Parameter($"p{r}_{c}"));
                }

                sql.Append(')');
            }

            var command = connection.CreateCommand(sql.ToString(), transaction);
            for (var r = 0; r < count; r++)
            {
                for (var c = 0; c < columns.Count; c++)
                {
                    command.With($"p{r}_{c}", null);
                }
            }

            return command;
        }

        static void Bind(DbCommand command, List<object?[]> values)
        {
            var width = values[0].Length;
            for (var r = 0; r < values.Count; r++)
            {
                for (var c = 0; c < width; c++)
                {
                    command.Parameters[(r * width) + c].Value = values[r][c] switch
                    {
                        null => DBNull.Value,
                        DateTimeOffset instant => instant.ToUniversalTime(),
                        var value => value,
                    };
                }
            }
        }
    }

    /// <summary>Gets how many rows one statement of the default <see cref="BulkCopyAsync"/> inserts.</summary>
    protected virtual int BulkInsertRowsPerStatement => 256;

    /// <inheritdoc />
    public override string ToString() => Name;
}
