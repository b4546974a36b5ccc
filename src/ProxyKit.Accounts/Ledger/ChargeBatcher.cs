using System.Threading.Channels;
using ProxyKit.Ledger;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Ledger;

/// <summary>
/// The single writer for charges: callers queue, and one loop settles everything queued in one transaction — the
/// touched balances read under a row lock (taken in account order, so writers on other hosts queue rather than
/// deadlock), each charge decided in arrival order in memory, then the journal rows and the new balances written in one
/// round trip. A hot account then costs two statements per batch instead of a contended row update per charge.
/// Idempotency keys are not looked up first (that probe cost more than the rest of the batch): a key used twice in a
/// batch is answered from memory, and a retry of an earlier charge fails the batch on the unique constraint — as does a
/// deadlock — whereupon its charges are settled one by one on the conditional path, which answers the retry with the
/// stored result. Retries are rare; the common case pays nothing for them.
/// </summary>
internal sealed class ChargeBatcher : IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(); // not SingleReader: that channel cannot report Count
    private readonly CreditLedger _ledger;
    private readonly ProxyKitDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly Task _writer;

    public ChargeBatcher(CreditLedger ledger, ProxyKitDatabase database, TimeProvider timeProvider)
    {
        _ledger = ledger;
        _database = database;
        _timeProvider = timeProvider;
        _writer = Task.Run(WriteLoopAsync);
    }

    public async Task<LedgerResult> ChargeAsync(LedgerCharge charge, CancellationToken cancellationToken)
    {
        var pending = new Pending(charge);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), _ledger);

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false); // what is queued is still settled
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let the callers just answered (their continuations are queued ahead of this one) queue their next charges:
            // a batch costs about the same whatever its size, so a few yields buy a much bigger one.
            for (int yields = 0, seen = -1; yields < 4 && _queue.Reader.Count > seen && _queue.Reader.Count < MaxBatch; yields++)
            {
                seen = _queue.Reader.Count;
                await Task.Yield();
            }

            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await SettleAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await SettleOneByOneAsync(batch).ConfigureAwait(false); // never throws: each caller gets its own outcome
            }
        }
    }

    private async Task SettleOneByOneAsync(List<Pending> batch)
    {
        foreach (var pending in batch)
        {
            try
            {
                pending.Completion.TrySetResult(await _ledger.ChargeOneAsync(pending.Charge, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    private async Task SettleAsync(List<Pending> batch)
    {
        var results = new LedgerResult[batch.Count];
        var connection = await _database.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await _database.Dialect.BeginWriteTransactionAsync(connection, CancellationToken.None).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var now = _timeProvider.GetUtcNow();
                var keyed = batch.Select(p => (Account: LedgerAccounts.User(p.Charge.UserId, p.Charge.Asset), p.Charge.IdempotencyKey)).ToList();
                var accounts = keyed.Select(k => k.Account).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var balances = await LedgerStore.LockBalancesAsync(connection, transaction, _database.Dialect, accounts, CancellationToken.None).ConfigureAwait(false);
                var known = new Dictionary<(string Account, string Key), IdempotencyRecord>();
                var touched = new HashSet<string>(StringComparer.Ordinal);
                var rows = new List<TransferRow>();
                for (var i = 0; i < batch.Count; i++)
                {
                    var charge = batch[i].Charge;
                    var hash = CreditLedger.ChargeHash(charge);
                    if (known.TryGetValue(keyed[i], out var earlier))
                    {
                        results[i] = earlier.ResultFor(hash); // the same key twice in this batch
                        continue;
                    }

                    if (!balances.TryGetValue(keyed[i].Account, out var balance) || balance < charge.Amount)
                    {
                        results[i] = new LedgerResult(LedgerStatus.InsufficientFunds);
                        continue;
                    }

                    balance -= charge.Amount;
                    balances[keyed[i].Account] = balance;
                    touched.Add(keyed[i].Account);
                    var row = CreditLedger.ChargeRow(charge, keyed[i].Account, hash, balance, now);
                    rows.Add(row);
                    known[keyed[i]] = new IdempotencyRecord(row.Id, hash, balance);
                    results[i] = new LedgerResult(LedgerStatus.Succeeded, row.Id, balance);
                }

                if (rows.Count > 0)
                {
                    await LedgerStore.WriteAsync(connection, transaction, rows, [.. touched.Select(a => (a, balances[a]))], now, CancellationToken.None).ConfigureAwait(false);
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }
    }

    private sealed class Pending(LedgerCharge charge)
    {
        public LedgerCharge Charge { get; } = charge;

        public TaskCompletionSource<LedgerResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
