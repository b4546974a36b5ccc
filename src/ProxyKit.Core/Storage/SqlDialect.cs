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

    /// <inheritdoc />
    public override string ToString() => Name;
}
