using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ProxyKit.Storage.Migrations;

/// <summary>
/// Applies the numbered scripts of every registered <see cref="MigrationModule"/> that the database has not
/// applied yet, each in its own transaction together with its history row. Safe when several hosts start at
/// once: each script is applied under the dialect's migration lock after re-checking the history, so exactly
/// one host applies it. A script changed after it was applied is an error (its checksum no longer matches).
/// </summary>
public sealed class MigrationRunner
{
    /// <summary>The table that records applied scripts.</summary>
    public const string HistoryTable = "proxykit_schema_history";

    private readonly ProxyKitDatabase _database;
    private readonly IReadOnlyList<MigrationModule> _modules;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates a runner.</summary>
    /// <exception cref="ProxyKitException">Two different modules share a name.</exception>
    public MigrationRunner(ProxyKitDatabase database, IEnumerable<MigrationModule> modules, TimeProvider timeProvider, ILogger<MigrationRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        // The same module registered twice (an Add* method called twice) counts once; two modules with one name is a bug.
        var distinct = new List<MigrationModule>();
        foreach (var module in modules)
        {
            var existing = distinct.Find(m => m.Name == module.Name);
            if (existing is null)
            {
                distinct.Add(module);
            }
            else if (!ReferenceEquals(existing, module))
            {
                throw new ProxyKitException($"Two different migration modules are named '{module.Name}'.");
            }
        }

        _modules = distinct;
    }

    /// <summary>Applies every pending script.</summary>
    /// <returns>The scripts this call applied (empty when the schema was already up to date).</returns>
    /// <exception cref="ProxyKitException">A script failed (it was rolled back) or an applied script was changed.</exception>
    public async Task<IReadOnlyList<AppliedMigration>> RunAsync(CancellationToken cancellationToken = default)
    {
        var dialect = _database.Dialect;
        var plan = _modules.Select(m => (Module: m, Scripts: m.ScriptsFor(dialect.Name))).ToList();
        var applied = new List<AppliedMigration>();

        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await EnsureHistoryTableAsync(connection, cancellationToken).ConfigureAwait(false);
            foreach (var (module, scripts) in plan)
            {
                var known = await ReadHistoryAsync(connection, module.Name, transaction: null, cancellationToken).ConfigureAwait(false);
                foreach (var script in scripts)
                {
                    var checksum = Checksum(script.Sql);
                    if (known.TryGetValue(script.Version, out var recorded))
                    {
                        EnsureUnchanged(module, script, recorded, checksum);
                        continue;
                    }

                    if (await ApplyAsync(connection, module, script, checksum, cancellationToken).ConfigureAwait(false))
                    {
                        applied.Add(new AppliedMigration(module.Name, script.Version, script.Description));
                        Log.MigrationApplied(_logger, module.Name, script.Version, script.Description, dialect.Name);
                    }
                }
            }
        }

        return applied;
    }

    private async Task<bool> ApplyAsync(DbConnection connection, MigrationModule module, MigrationScript script, string checksum, CancellationToken cancellationToken)
    {
        var transaction = await _database.Dialect.BeginMigrationTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            // Re-check under the lock: another host may have applied it since we read the history.
            var known = await ReadHistoryAsync(connection, module.Name, transaction, cancellationToken).ConfigureAwait(false);
            if (known.TryGetValue(script.Version, out var recorded))
            {
                EnsureUnchanged(module, script, recorded, checksum);
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            try
            {
                using (var command = connection.CreateCommand(script.Sql, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using (var record = connection.CreateCommand(
                    $"INSERT INTO {HistoryTable} (module, version, description, checksum, applied_at) VALUES (@module, @version, @description, @checksum, @applied_at)",
                    transaction))
                {
                    await record.With("module", module.Name).With("version", script.Version).With("description", script.Description)
                        .With("checksum", checksum).With("applied_at", _timeProvider.GetUtcNow())
                        .ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (DbException ex)
            {
                throw new ProxyKitException($"Migration {module.Name}/{script} failed and was rolled back: {ex.Message}", ex);
            }
        }
    }

    private async Task EnsureHistoryTableAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // Under the migration lock: concurrent CREATE TABLE IF NOT EXISTS can still collide on PostgreSQL's catalog.
        var transaction = await _database.Dialect.BeginMigrationTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand(
                $"""
                CREATE TABLE IF NOT EXISTS {HistoryTable} (
                    module      TEXT    NOT NULL,
                    version     INTEGER NOT NULL,
                    description TEXT    NOT NULL,
                    checksum    TEXT    NOT NULL,
                    applied_at  {_database.Dialect.TimestampType} NOT NULL,
                    PRIMARY KEY (module, version)
                )
                """,
                transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Dictionary<int, string>> ReadHistoryAsync(DbConnection connection, string module, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand($"SELECT version, checksum FROM {HistoryTable} WHERE module = @module", transaction).With("module", module);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var result = new Dictionary<int, string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                result[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = reader.GetString(1);
            }

            return result;
        }
    }

    private static void EnsureUnchanged(MigrationModule module, MigrationScript script, string recorded, string checksum)
    {
        if (!string.Equals(recorded, checksum, StringComparison.Ordinal))
        {
            throw new ProxyKitException(
                $"Migration {module.Name}/{script} was changed after it was applied (checksum {recorded[..12]}… in the database, {checksum[..12]}… now). Add a new script instead of editing an applied one.");
        }
    }

    private static string Checksum(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n").Trim())));
}
