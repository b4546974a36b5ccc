using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ProxyKit.Ledger;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Ledger;

/// <summary>One journal row: a movement from one account to another, with what the user saw of it.</summary>
internal sealed record TransferRow(
    Guid Id,
    string DebitAccount,
    string CreditAccount,
    LedgerAsset Asset,
    long Amount,
    string Kind,
    Guid UserId,
    long UserDelta,
    long? BalanceAfter,
    string TxType,
    string Description,
    string? Reference,
    Guid? RelatedId,
    string? IdempotencyAccount,
    string? IdempotencyKey,
    string? RequestHash,
    DateTimeOffset CreatedAt);

/// <summary>A stored idempotency key: which transfer it made, for which request, and the balance it left.</summary>
internal sealed record IdempotencyRecord(Guid TransferId, string RequestHash, long? BalanceAfter)
{
    public LedgerResult ResultFor(string requestHash) => string.Equals(requestHash, RequestHash, StringComparison.Ordinal)
        ? new LedgerResult(LedgerStatus.Succeeded, TransferId, BalanceAfter, Replayed: true)
        : new LedgerResult(LedgerStatus.IdempotencyConflict, TransferId);
}

/// <summary>The ledger's SQL, shared by the one-at-a-time path and the batcher; every method runs inside the caller's transaction.</summary>
internal static class LedgerStore
{
    private const string TransferColumns =
        "id, debit_account, credit_account, asset, amount, kind, user_id, user_delta, balance_after, tx_type, description, reference, related_id, idempotency_account, idempotency_key, request_hash, created_at";

    private const int InsertChunk = 100; // rows per INSERT: 1,700 parameters, far below both engines' limits

    public static string RequestHash(string kind, LedgerAsset asset, long amount, string? reference, Guid? related) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{kind}\n{asset.Code}\n{amount}\n{reference}\n{related:D}"))), 0, 16);

    public static async Task<IdempotencyRecord?> FindIdempotentAsync(DbConnection connection, DbTransaction? transaction, string account, string key, CancellationToken cancellationToken)
    {
        using var select = connection.CreateCommand(
            "SELECT id, request_hash, balance_after FROM ledger_transfers WHERE idempotency_account = @account AND idempotency_key = @key", transaction)
            .With("account", account).With("key", key);
        using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new IdempotencyRecord(Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2))
            : null;
    }

    /// <summary>Debits a user account if it covers <paramref name="amount"/>: the check and the update are one statement.</summary>
    /// <returns>The balance after, or <see langword="null"/> when it does not cover it (or the account was never credited).</returns>
    public static async Task<long?> TryDebitAsync(DbConnection connection, DbTransaction transaction, string account, long amount, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var update = connection.CreateCommand(
            "UPDATE ledger_balances SET balance = balance - @amount, updated_at = @now WHERE account_id = @account AND balance >= @amount RETURNING balance",
            transaction).With("account", account).With("amount", amount).With("now", now);
        var after = await update.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return after is null or DBNull ? null : Convert.ToInt64(after, CultureInfo.InvariantCulture);
    }

    /// <summary>Credits a user account, creating it on first use.</summary>
    /// <returns>The balance after.</returns>
    public static async Task<long> CreditAsync(DbConnection connection, DbTransaction transaction, Guid userId, LedgerAsset asset, long amount, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var upsert = connection.CreateCommand(
            """
            INSERT INTO ledger_balances (account_id, user_id, asset, balance, updated_at) VALUES (@account, @user, @asset, @amount, @now)
            ON CONFLICT (account_id) DO UPDATE SET balance = ledger_balances.balance + excluded.balance, updated_at = excluded.updated_at
            RETURNING balance
            """,
            transaction)
            .With("account", LedgerAccounts.User(userId, asset)).With("user", userId.ToString("D")).With("asset", asset.Code)
            .With("amount", amount).With("now", now);
        return Convert.ToInt64(await upsert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>Reads the balances of <paramref name="accounts"/> under a row lock where the engine needs one, in account order so two writers never deadlock.</summary>
    public static async Task<Dictionary<string, long>> LockBalancesAsync(
        DbConnection connection, DbTransaction transaction, SqlDialect dialect, IReadOnlyList<string> accounts, CancellationToken cancellationToken)
    {
        using var read = connection.CreateCommand(
            $"SELECT account_id, balance FROM ledger_balances WHERE account_id IN ({Parameters("a", accounts.Count)}) ORDER BY account_id {dialect.ForUpdate}",
            transaction);
        AddParameters(read, "a", accounts);
        var balances = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            balances[reader.GetString(0)] = reader.GetInt64(1);
        }

        return balances;
    }

    /// <summary>
    /// Writes journal rows and, optionally, absolute balances (decided under the batch's row locks) and statements
    /// <paramref name="alsoWrite"/> appends (with their parameters), in one round trip.
    /// </summary>
    public static async Task WriteAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<TransferRow> rows, IReadOnlyList<(string Account, long Balance)> balances, DateTimeOffset now,
        CancellationToken cancellationToken, Action<StringBuilder, DbCommand>? alsoWrite = null)
    {
        var sql = new StringBuilder();
        using var write = connection.CreateCommand(string.Empty, transaction);
        for (var start = 0; start < rows.Count; start += InsertChunk)
        {
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO ledger_transfers ({TransferColumns}) VALUES ");
            for (var i = start; i < Math.Min(rows.Count, start + InsertChunk); i++)
            {
                var r = rows[i];
                sql.Append(i == start ? "\n" : ",\n").Append(CultureInfo.InvariantCulture,
                    $"(@id{i}, @da{i}, @ca{i}, @as{i}, @am{i}, @ki{i}, @us{i}, @ud{i}, @ba{i}, @tt{i}, @de{i}, @re{i}, @rel{i}, @ia{i}, @ik{i}, @rh{i}, @cr{i})");
                write.With($"id{i}", r.Id.ToString("D")).With($"da{i}", r.DebitAccount).With($"ca{i}", r.CreditAccount).With($"as{i}", r.Asset.Code)
                    .With($"am{i}", r.Amount).With($"ki{i}", r.Kind).With($"us{i}", r.UserId.ToString("D")).With($"ud{i}", r.UserDelta)
                    .With($"ba{i}", r.BalanceAfter).With($"tt{i}", r.TxType).With($"de{i}", r.Description).With($"re{i}", r.Reference)
                    .With($"rel{i}", r.RelatedId?.ToString("D")).With($"ia{i}", r.IdempotencyAccount).With($"ik{i}", r.IdempotencyKey)
                    .With($"rh{i}", r.RequestHash).With($"cr{i}", r.CreatedAt);
            }

            sql.Append(";\n");
        }

        if (balances.Count > 0)
        {
            // One statement for every touched balance; VALUES columns are column1, column2 on both engines.
            sql.Append("UPDATE ledger_balances SET balance = v.column2, updated_at = @now FROM (VALUES ");
            for (var i = 0; i < balances.Count; i++)
            {
                sql.Append(i == 0 ? string.Empty : ", ").Append(CultureInfo.InvariantCulture, $"(@ba_{i}, @bb_{i})");
                write.With($"ba_{i}", balances[i].Account).With($"bb_{i}", balances[i].Balance);
            }

            sql.Append(") AS v WHERE ledger_balances.account_id = v.column1;");
            write.With("now", now);
        }

        alsoWrite?.Invoke(sql, write);
        write.CommandText = sql.ToString();
        await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static Task InsertTransfersAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<TransferRow> rows, CancellationToken cancellationToken) =>
        WriteAsync(connection, transaction, rows, [], default, cancellationToken);

    public static async Task<TransferRow?> FindTransferAsync(DbConnection connection, DbTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        using var select = connection.CreateCommand($"SELECT {TransferColumns} FROM ledger_transfers WHERE id = @id", transaction).With("id", id.ToString("D"));
        using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new TransferRow(
            Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2), new LedgerAsset(reader.GetString(3)), reader.GetInt64(4),
            reader.GetString(5), Guid.Parse(reader.GetString(6)), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetInt64(8),
            reader.GetString(9), reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
            reader.IsDBNull(12) ? null : Guid.Parse(reader.GetString(12)), reader.IsDBNull(13) ? null : reader.GetString(13),
            reader.IsDBNull(14) ? null : reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15), reader.GetFieldValue<DateTimeOffset>(16));
    }

    private static string Parameters(string prefix, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"@{prefix}{i}")));

    private static void AddParameters(DbCommand command, string prefix, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            command.With(string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}"), values[i]);
        }
    }
}
