using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using ProxyKit.Ledger;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Ledger;

/// <summary>
/// The double-entry credit ledger (implements <see cref="ICreditLedger"/>): every movement is a journal transfer from one
/// account to another with a unique id and an idempotency key unique per user account. User accounts keep a stored
/// balance that a debit changes only through one conditional statement — or, for charges, under a row lock taken by
/// a single-writer batcher that settles many charges per transaction — and that can never go negative (a CHECK
/// constraint backs it). System accounts (issuance, revenue, holds) are derived from the journal, never updated as
/// hot rows. Holds are two-phase (reserve, then post or void); a refund is a compensating transfer, at most one per
/// original transfer by a unique index.
/// </summary>
public sealed class CreditLedger : ITransactionalCreditLedger, IAsyncDisposable
{
    private readonly ProxyKitDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly AccountsOptions _options;
    private readonly Lock _batcherLock = new();
    private ChargeBatcher? _batcher;
    private bool _disposed;

    /// <summary>Creates the ledger (normally resolved from DI after <c>AddProxyKitAccounts()</c>).</summary>
    public CreditLedger(ProxyKitDatabase database, IOptions<AccountsOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    /// <remarks>
    /// With <see cref="AccountsOptions.BatchCharges"/> (the default) charges queue for a single writer that settles up to
    /// a few hundred of them per transaction; cancelling the call stops the wait, not necessarily the charge — retry with
    /// the same idempotency key to learn its outcome.
    /// </remarks>
    public async ValueTask<LedgerResult> ChargeAsync(LedgerCharge charge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(charge);
        Validate(charge.Amount, charge.IdempotencyKey, charge.Description, charge.TxType);
        return _options.BatchCharges
            ? await Batcher().ChargeAsync(charge, cancellationToken).ConfigureAwait(false)
            : await ChargeOneAsync(charge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Issues <see cref="LedgerGrant.Amount"/> new units to a user (from the issuance account); idempotent per user account.</summary>
    public async ValueTask<LedgerResult> GrantAsync(LedgerGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        Validate(grant.Amount, grant.IdempotencyKey, grant.Description, grant.TxType);
        var account = LedgerAccounts.User(grant.UserId, grant.Asset);
        var hash = LedgerStore.RequestHash("grant", grant.Asset, grant.Amount, null, null);
        return await WriteIdempotentAsync(account, grant.IdempotencyKey, hash, async (connection, transaction, now) =>
        {
            var after = await LedgerStore.CreditAsync(connection, transaction, grant.UserId, grant.Asset, grant.Amount, now, cancellationToken).ConfigureAwait(false);
            var id = Guid.CreateVersion7();
            await LedgerStore.InsertTransfersAsync(connection, transaction,
                [new TransferRow(id, LedgerAccounts.Issuance(grant.Asset), account, grant.Asset, grant.Amount, "grant", grant.UserId, grant.Amount, after,
                    grant.TxType, grant.Description, null, null, account, grant.IdempotencyKey, hash, now)],
                cancellationToken).ConfigureAwait(false);
            return new LedgerResult(LedgerStatus.Succeeded, id, after);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<LedgerResult> HoldAsync(LedgerHold hold, CancellationToken cancellationToken = default)
    {
        var (account, hash) = PrepareHold(hold);
        return await WriteIdempotentAsync(account, hold.IdempotencyKey, hash,
            (connection, transaction, now) => WriteHoldAsync(hold, account, hash, connection, transaction, now, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public bool CanJoin(ProxyKitDatabase database) => ReferenceEquals(database, _database);

    /// <inheritdoc />
    public async ValueTask<LedgerResult> HoldAsync(LedgerHold hold, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        var (account, hash) = PrepareHold(hold);
        return await WriteHoldAsync(hold, account, hash, connection, transaction, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false)
            ?? new LedgerResult(LedgerStatus.InsufficientFunds);
    }

    /// <inheritdoc />
    /// <remarks>A hold past its <see cref="LedgerHold.ExpiresAt"/> can no longer be posted (<see cref="LedgerStatus.HoldNotPending"/>); the reaper voids it.</remarks>
    public ValueTask<LedgerResult> PostHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => SettleAsync(holdId, post: true, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LedgerResult> VoidHoldAsync(Guid holdId, CancellationToken cancellationToken = default) => SettleAsync(holdId, post: false, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LedgerResult> PostHoldAsync(Guid holdId, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        return new(SettleAsync(connection, transaction, holdId, post: true, expiredOnly: false, _timeProvider.GetUtcNow(), cancellationToken));
    }

    /// <inheritdoc />
    public async ValueTask<LedgerResult> RefundAsync(LedgerRefund refund, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(refund);
        Validate(1, refund.IdempotencyKey, refund.Description, "refund");
        TransferRow? original;
        string? holdStatus = null;
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            original = await LedgerStore.FindTransferAsync(connection, null, refund.OriginalTransferId, cancellationToken).ConfigureAwait(false);
            if (original?.Kind == "hold")
            {
                using var status = connection.CreateCommand("SELECT status FROM ledger_holds WHERE id = @id", null).With("id", original.Id.ToString("D"));
                holdStatus = (string?)await status.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (original is null || original.Kind is not ("charge" or "hold"))
        {
            return new LedgerResult(LedgerStatus.NotFound);
        }

        if (original.Kind == "hold" && holdStatus != "posted")
        {
            return new LedgerResult(LedgerStatus.HoldNotPending); // a pending hold is voided, not refunded; a voided one returned already
        }

        var account = original.DebitAccount;
        var hash = LedgerStore.RequestHash("refund", original.Asset, original.Amount, null, original.Id);
        try
        {
            return await WriteIdempotentAsync(account, refund.IdempotencyKey, hash, async (c, transaction, now) =>
            {
                var after = await LedgerStore.CreditAsync(c, transaction, original.UserId, original.Asset, original.Amount, now, cancellationToken).ConfigureAwait(false);
                var id = Guid.CreateVersion7();
                await LedgerStore.InsertTransfersAsync(c, transaction,
                    [new TransferRow(id, LedgerAccounts.Revenue(original.Asset), account, original.Asset, original.Amount, "refund", original.UserId, original.Amount, after,
                        "refund", refund.Description, original.Reference, original.Id, account, refund.IdempotencyKey, hash, now)],
                    cancellationToken).ConfigureAwait(false);
                return new LedgerResult(LedgerStatus.Succeeded, id, after);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_database.Dialect.TryGetUniqueViolation(ex, out var violation) && violation.Matches("ux_ledger_transfers_refund", "related_id"))
        {
            return new LedgerResult(LedgerStatus.AlreadyRefunded);
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> GetBalanceAsync(Guid userId, LedgerAsset asset, CancellationToken cancellationToken = default)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand("SELECT balance FROM ledger_balances WHERE account_id = @account", null)
                .With("account", LedgerAccounts.User(userId, asset));
            var balance = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return balance is null or DBNull ? 0 : Convert.ToInt64(balance, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Gets the user's most recent balance movements of <paramref name="asset"/>, newest first.</summary>
    public async Task<IReadOnlyList<LedgerTransaction>> GetTransactionsAsync(Guid userId, LedgerAsset asset, int limit = 20, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                """
                SELECT id, user_delta, tx_type, description, created_at, balance_after, reference FROM ledger_transfers
                WHERE user_id = @user AND asset = @asset AND user_delta <> 0
                ORDER BY created_at DESC, id DESC LIMIT @limit
                """,
                null).With("user", userId.ToString("D")).With("asset", asset.Code).With("limit", limit);
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var transactions = new List<LedgerTransaction>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                transactions.Add(new LedgerTransaction(
                    Guid.Parse(reader.GetString(0)), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }

            return transactions;
        }
    }

    /// <summary>Voids pending holds whose deadline has passed; returns how many.</summary>
    public async Task<int> VoidExpiredHoldsAsync(CancellationToken cancellationToken = default)
    {
        var expired = new List<Guid>();
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT id FROM ledger_holds WHERE status = 'pending' AND expires_at <= @now ORDER BY expires_at LIMIT 500", null)
                .With("now", _timeProvider.GetUtcNow());
            using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                expired.Add(Guid.Parse(reader.GetString(0)));
            }
        }

        var voided = 0;
        foreach (var id in expired)
        {
            // Another host's reaper (or a caller) may settle it first: only the conditional update's winner counts.
            voided += (await SettleAsync(id, post: false, cancellationToken, expiredOnly: true).ConfigureAwait(false)).Succeeded ? 1 : 0;
        }

        return voided;
    }

    /// <summary>
    /// Checks the books against the journal: every stored user balance equals its transfers' sum and is not negative,
    /// the holds account equals the pending holds, and every asset's accounts sum to zero.
    /// </summary>
    public async Task<LedgerAudit> AuditAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var derived = new Dictionary<string, (string Asset, long Balance)>(StringComparer.Ordinal);
        long transfers;
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var count = connection.CreateCommand("SELECT COUNT(*) FROM ledger_transfers", null))
            {
                transfers = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            using (var sums = connection.CreateCommand(
                """
                SELECT account, asset, SUM(delta) FROM (
                    SELECT credit_account AS account, asset, amount AS delta FROM ledger_transfers
                    UNION ALL
                    SELECT debit_account AS account, asset, -amount AS delta FROM ledger_transfers) AS entries
                GROUP BY account, asset
                """,
                null))
            using (var reader = await sums.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    derived[reader.GetString(0)] = (reader.GetString(1), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
                }
            }

            foreach (var asset in derived.Values.Select(d => d.Asset).Distinct(StringComparer.Ordinal))
            {
                var total = derived.Values.Where(d => d.Asset == asset).Sum(d => d.Balance);
                if (total != 0)
                {
                    problems.Add($"The accounts of {asset} sum to {total}, not 0.");
                }
            }

            using (var balances = connection.CreateCommand("SELECT account_id, balance FROM ledger_balances", null))
            using (var reader = await balances.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var (account, stored) = (reader.GetString(0), reader.GetInt64(1));
                    var journal = derived.TryGetValue(account, out var d) ? d.Balance : 0;
                    if (stored != journal)
                    {
                        problems.Add($"{account} stores {stored} but its transfers sum to {journal}.");
                    }

                    if (stored < 0)
                    {
                        problems.Add($"{account} is negative ({stored}).");
                    }
                }
            }

            using (var holds = connection.CreateCommand("SELECT asset, SUM(amount) FROM ledger_holds WHERE status = 'pending' GROUP BY asset", null))
            using (var reader = await holds.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                var pending = new Dictionary<string, long>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    pending[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                }

                foreach (var (account, (asset, balance)) in derived.Where(d => d.Key.StartsWith("system:holds:", StringComparison.Ordinal)))
                {
                    var expected = pending.GetValueOrDefault(asset);
                    if (balance != expected)
                    {
                        problems.Add($"{account} holds {balance} but pending holds sum to {expected}.");
                    }
                }
            }
        }

        return new LedgerAudit(transfers, problems);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ChargeBatcher? batcher;
        lock (_batcherLock)
        {
            _disposed = true;
            batcher = _batcher;
        }

        if (batcher is not null)
        {
            await batcher.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A charge on its own: the idempotency check, one conditional debit and the journal row in one transaction.</summary>
    internal async Task<LedgerResult> ChargeOneAsync(LedgerCharge charge, CancellationToken cancellationToken)
    {
        var account = LedgerAccounts.User(charge.UserId, charge.Asset);
        var hash = ChargeHash(charge);
        return await WriteIdempotentAsync(account, charge.IdempotencyKey, hash, async (connection, transaction, now) =>
        {
            var after = await LedgerStore.TryDebitAsync(connection, transaction, account, charge.Amount, now, cancellationToken).ConfigureAwait(false);
            if (after is null)
            {
                return null;
            }

            var row = ChargeRow(charge, account, hash, after.Value, now);
            await LedgerStore.InsertTransfersAsync(connection, transaction, [row], cancellationToken).ConfigureAwait(false);
            return new LedgerResult(LedgerStatus.Succeeded, row.Id, after);
        }, cancellationToken).ConfigureAwait(false);
    }

    internal static string ChargeHash(LedgerCharge charge) => LedgerStore.RequestHash("charge", charge.Asset, charge.Amount, charge.Reference, null);

    internal static TransferRow ChargeRow(LedgerCharge charge, string account, string hash, long balanceAfter, DateTimeOffset now) => new(
        Guid.CreateVersion7(), account, LedgerAccounts.Revenue(charge.Asset), charge.Asset, charge.Amount, "charge", charge.UserId, -charge.Amount, balanceAfter,
        charge.TxType, charge.Description, charge.Reference, null, account, charge.IdempotencyKey, hash, now);

    private static void Validate(long amount, string idempotencyKey, string description, string txType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idempotencyKey.Length, 255, nameof(idempotencyKey));
        ArgumentNullException.ThrowIfNull(description);
        ArgumentException.ThrowIfNullOrWhiteSpace(txType);
    }

    private ChargeBatcher Batcher()
    {
        lock (_batcherLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _batcher ??= new ChargeBatcher(this, _database, _timeProvider);
        }
    }

    private static (string Account, string Hash) PrepareHold(LedgerHold hold)
    {
        ArgumentNullException.ThrowIfNull(hold);
        Validate(hold.Amount, hold.IdempotencyKey, hold.Description, hold.TxType);
        return (LedgerAccounts.User(hold.UserId, hold.Asset), LedgerStore.RequestHash("hold", hold.Asset, hold.Amount, hold.Reference, null));
    }

    // The hold's writes: the conditional debit, its journal row and the pending hold; null (nothing written) when the balance is short.
    private static async Task<LedgerResult?> WriteHoldAsync(
        LedgerHold hold, string account, string hash, DbConnection connection, DbTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var after = await LedgerStore.TryDebitAsync(connection, transaction, account, hold.Amount, now, cancellationToken).ConfigureAwait(false);
        if (after is null)
        {
            return null;
        }

        var id = Guid.CreateVersion7();
        await LedgerStore.WriteAsync(connection, transaction,
            [new TransferRow(id, account, LedgerAccounts.Holds(hold.Asset), hold.Asset, hold.Amount, "hold", hold.UserId, -hold.Amount, after,
                hold.TxType, hold.Description, hold.Reference, null, account, hold.IdempotencyKey, hash, now)],
            [], now, cancellationToken, (sql, command) =>
            {
                sql.Append("INSERT INTO ledger_holds (id, account_id, user_id, asset, amount, status, expires_at) VALUES (@hid, @haccount, @huser, @hasset, @hamount, 'pending', @hexpires);");
                command.With("hid", id.ToString("D")).With("haccount", account).With("huser", hold.UserId.ToString("D")).With("hasset", hold.Asset.Code)
                    .With("hamount", hold.Amount).With("hexpires", hold.ExpiresAt);
            }).ConfigureAwait(false);
        return new LedgerResult(LedgerStatus.Succeeded, id, after);
    }

    // The idempotency pre-check, then the movement in a write transaction (work returns null for "insufficient funds":
    // nothing is committed). A concurrent request with the same key loses on the unique constraint, which aborts its
    // whole transaction — its debit included — and it answers with the winner's stored result.
    private async Task<LedgerResult> WriteIdempotentAsync(
        string account, string key, string hash, Func<DbConnection, DbTransaction, DateTimeOffset, Task<LedgerResult?>> work, CancellationToken cancellationToken)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (await LedgerStore.FindIdempotentAsync(connection, null, account, key, cancellationToken).ConfigureAwait(false) is { } earlier)
            {
                return earlier.ResultFor(hash);
            }

            try
            {
                var transaction = await _database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var result = await work(connection, transaction, _timeProvider.GetUtcNow()).ConfigureAwait(false);
                    if (result is null)
                    {
                        return new LedgerResult(LedgerStatus.InsufficientFunds);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
            }
            catch (Exception ex) when (_database.Dialect.TryGetUniqueViolation(ex, out var violation)
                && violation.Matches("ux_ledger_transfers_idempotency", "idempotency_account", "idempotency_key"))
            {
                var winner = await LedgerStore.FindIdempotentAsync(connection, null, account, key, cancellationToken).ConfigureAwait(false);
                return winner?.ResultFor(hash) ?? throw new ProxyKitException("An idempotency key collided but its transfer cannot be read.", ex);
            }
        }
    }

    private async ValueTask<LedgerResult> SettleAsync(Guid holdId, bool post, CancellationToken cancellationToken, bool expiredOnly = false)
    {
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await _database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await SettleAsync(connection, transaction, holdId, post, expiredOnly, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                return result;
            }
        }
    }

    // The conditional update is the settlement: of racing posts, voids and reapers exactly one wins. Writes nothing when it refuses.
    private static async Task<LedgerResult> SettleAsync(
        DbConnection connection, DbTransaction transaction, Guid holdId, bool post, bool expiredOnly, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var claim = connection.CreateCommand(
            $"""
            UPDATE ledger_holds SET status = @status, settled_at = @now
            WHERE id = @id AND status = 'pending' AND {(post ? "expires_at > @now" : expiredOnly ? "expires_at <= @now" : "1 = 1")}
            RETURNING account_id, user_id, asset, amount
            """,
            transaction).With("status", post ? "posted" : "voided").With("now", now).With("id", holdId.ToString("D"));
        string account;
        Guid userId;
        LedgerAsset asset;
        long amount;
        using (var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.DisposeAsync().ConfigureAwait(false);
                using var exists = connection.CreateCommand("SELECT COUNT(*) FROM ledger_holds WHERE id = @id", transaction).With("id", holdId.ToString("D"));
                var found = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
                return new LedgerResult(found ? LedgerStatus.HoldNotPending : LedgerStatus.NotFound);
            }

            (account, userId, asset, amount) = (reader.GetString(0), Guid.Parse(reader.GetString(1)), new LedgerAsset(reader.GetString(2)), reader.GetInt64(3));
        }

        TransferRow row;
        if (post)
        {
            row = new TransferRow(Guid.CreateVersion7(), LedgerAccounts.Holds(asset), LedgerAccounts.Revenue(asset), asset, amount, "post", userId, 0, null,
                "post", "Hold settled", null, holdId, null, null, null, now);
        }
        else
        {
            var after = await LedgerStore.CreditAsync(connection, transaction, userId, asset, amount, now, cancellationToken).ConfigureAwait(false);
            row = new TransferRow(Guid.CreateVersion7(), LedgerAccounts.Holds(asset), account, asset, amount, "void", userId, amount, after,
                "void", expiredOnly ? "Hold expired" : "Hold released", null, holdId, null, null, null, now);
        }

        await LedgerStore.InsertTransfersAsync(connection, transaction, [row], cancellationToken).ConfigureAwait(false);
        return new LedgerResult(LedgerStatus.Succeeded, row.Id, row.BalanceAfter);
    }
}
