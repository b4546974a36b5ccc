namespace ProxyKit.Ledger;

/// <summary>The outcome of a ledger movement.</summary>
/// <param name="Status">What happened.</param>
/// <param name="TransferId">The transfer that moved the money (or would have, for a replay: the original one).</param>
/// <param name="BalanceAfter">The user's balance right after the movement, when it succeeded.</param>
/// <param name="Replayed">Whether this result is the stored result of an earlier request with the same idempotency key.</param>
public sealed record LedgerResult(LedgerStatus Status, Guid? TransferId = null, long? BalanceAfter = null, bool Replayed = false)
{
    /// <summary>Gets whether the money moved (now, or by the original request of a replay).</summary>
    public bool Succeeded => Status == LedgerStatus.Succeeded;
}

/// <summary>Expected outcomes of a ledger movement.</summary>
public enum LedgerStatus
{
    /// <summary>The money moved.</summary>
    Succeeded,

    /// <summary>The balance does not cover the amount; nothing moved.</summary>
    InsufficientFunds,

    /// <summary>The referenced transfer or hold does not exist.</summary>
    NotFound,

    /// <summary>The hold was already posted, voided or expired.</summary>
    HoldNotPending,

    /// <summary>The transfer was already refunded (a transfer is refunded at most once).</summary>
    AlreadyRefunded,

    /// <summary>The idempotency key was used before for a different request.</summary>
    IdempotencyConflict,
}
