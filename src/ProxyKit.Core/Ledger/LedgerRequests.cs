namespace ProxyKit.Ledger;

/// <summary>A request to charge a user: one debit of their account, one credit of revenue.</summary>
/// <param name="UserId">The paying user.</param>
/// <param name="Asset">What is paid.</param>
/// <param name="Amount">Minor units, greater than zero.</param>
/// <param name="IdempotencyKey">Unique per user account; a retry with the same key moves nothing twice.</param>
/// <param name="Description">Shown in the user's transaction list (e.g. "Proxy lease").</param>
/// <param name="Reference">Optional identifier of what was bought (a lease id, an order id).</param>
/// <param name="TxType">The transaction type users see (e.g. <c>acquire</c>, <c>purchase</c>). Defaults to <c>charge</c>.</param>
public sealed record LedgerCharge(
    Guid UserId,
    LedgerAsset Asset,
    long Amount,
    string IdempotencyKey,
    string Description,
    string? Reference = null,
    string TxType = "charge");

/// <summary>A request to reserve an amount until it is posted, voided, or expires.</summary>
/// <param name="UserId">The paying user.</param>
/// <param name="Asset">What is reserved.</param>
/// <param name="Amount">Minor units, greater than zero.</param>
/// <param name="IdempotencyKey">Unique per user account.</param>
/// <param name="Description">Shown in the user's transaction list.</param>
/// <param name="ExpiresAt">When a still-pending hold is voided automatically.</param>
/// <param name="Reference">Optional identifier of what is being bought.</param>
/// <param name="TxType">The transaction type users see. Defaults to <c>hold</c>.</param>
public sealed record LedgerHold(
    Guid UserId,
    LedgerAsset Asset,
    long Amount,
    string IdempotencyKey,
    string Description,
    DateTimeOffset ExpiresAt,
    string? Reference = null,
    string TxType = "hold");

/// <summary>A request to refund a charge or a posted hold by a compensating transfer.</summary>
/// <param name="OriginalTransferId">The transfer being refunded.</param>
/// <param name="IdempotencyKey">Unique per user account.</param>
/// <param name="Description">Shown in the user's transaction list.</param>
public sealed record LedgerRefund(Guid OriginalTransferId, string IdempotencyKey, string Description);
