using System.Data.Common;
using ProxyKit.Storage;

namespace ProxyKit.Ledger;

/// <summary>
/// A ledger that can also move money inside a caller's write transaction on the database it keeps its journal in, so a
/// domain change and its payment commit together (one commit instead of several, and no state in between for a
/// reconciler to finish). Callers use it only when <see cref="CanJoin"/> says so, and fall back to
/// <see cref="ICreditLedger"/> otherwise.
/// </summary>
/// <remarks>
/// The joined methods write nothing when they refuse (insufficient funds, a hold no longer pending): the caller decides
/// whether to roll back. Idempotency comes from the caller's transaction: the key of a joined hold must be new (derive it
/// from a row the same transaction inserts); a used key is not looked up first but fails with the database's unique
/// violation, which aborts the caller's transaction.
/// </remarks>
public interface ITransactionalCreditLedger : ICreditLedger
{
    /// <summary>Whether transfers can join write transactions opened on <paramref name="database"/>.</summary>
    bool CanJoin(ProxyKitDatabase database);

    /// <summary>As <see cref="ICreditLedger.HoldAsync"/>, inside <paramref name="transaction"/>.</summary>
    ValueTask<LedgerResult> HoldAsync(LedgerHold hold, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="ICreditLedger.PostHoldAsync"/>, inside <paramref name="transaction"/>.</summary>
    ValueTask<LedgerResult> PostHoldAsync(Guid holdId, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken = default);
}
