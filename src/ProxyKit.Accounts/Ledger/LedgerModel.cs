using ProxyKit.Ledger;

namespace ProxyKit.Accounts.Ledger;

/// <summary>An administrator's grant: new units issued to a user (the seed's "Credit purchase +100").</summary>
/// <param name="UserId">The receiving user.</param>
/// <param name="Asset">What is granted.</param>
/// <param name="Amount">Minor units, greater than zero.</param>
/// <param name="IdempotencyKey">Unique per user account; a retried grant issues nothing twice.</param>
/// <param name="Description">Shown in the user's transaction list. Defaults to "Credit purchase".</param>
/// <param name="TxType">The transaction type users see. Defaults to <c>purchase</c>, as in the seed.</param>
public sealed record LedgerGrant(
    Guid UserId,
    LedgerAsset Asset,
    long Amount,
    string IdempotencyKey,
    string Description = "Credit purchase",
    string TxType = "purchase");

/// <summary>One movement of a user's balance, as the seed's <c>recent_transactions</c> list shows it.</summary>
/// <param name="Id">The transfer id.</param>
/// <param name="Amount">The signed change of the user's balance, in minor units.</param>
/// <param name="TxType">The transaction type (<c>acquire</c>, <c>purchase</c>, <c>refund</c>, ...).</param>
/// <param name="Description">What it was for.</param>
/// <param name="CreatedAt">When it happened.</param>
/// <param name="BalanceAfter">The balance right after it.</param>
/// <param name="Reference">What was bought, when the caller said.</param>
public sealed record LedgerTransaction(Guid Id, long Amount, string TxType, string Description, DateTimeOffset CreatedAt, long? BalanceAfter, string? Reference);

/// <summary>The outcome of <see cref="CreditLedger.AuditAsync"/>: the double-entry invariants, checked against the journal.</summary>
/// <param name="Transfers">Transfers read.</param>
/// <param name="Problems">Every violated invariant, in words; empty when the books balance.</param>
public sealed record LedgerAudit(long Transfers, IReadOnlyList<string> Problems)
{
    /// <summary>Gets whether every invariant holds.</summary>
    public bool Balanced => Problems.Count == 0;
}

/// <summary>Ledger account ids: one per user and asset, and the system accounts whose balances are derived from the journal.</summary>
internal static class LedgerAccounts
{
    public static string User(Guid userId, LedgerAsset asset) => $"user:{userId:D}:{asset.Code}";

    public static string Issuance(LedgerAsset asset) => $"system:issuance:{asset.Code}";

    public static string Revenue(LedgerAsset asset) => $"system:revenue:{asset.Code}";

    public static string Holds(LedgerAsset asset) => $"system:holds:{asset.Code}";
}
