namespace ProxyKit.Ledger;

/// <summary>
/// The money seam between the domain packages: Pool charges credits for leases and ExternalSocks charges
/// dollars for purchases through this contract; ProxyKit.Accounts implements it as a double-entry ledger.
/// </summary>
/// <remarks>
/// Every movement is idempotent per user account: repeating a request with the same idempotency key returns
/// the original <see cref="LedgerResult"/> (with <see cref="LedgerResult.Replayed"/> set) and moves nothing
/// twice. Debits never overdraw under any concurrency. Expected refusals (insufficient funds, an already
/// refunded transfer) are results; infrastructure failures are exceptions.
/// </remarks>
public interface ICreditLedger
{
    /// <summary>Moves <see cref="LedgerCharge.Amount"/> from the user's account to revenue, if the balance covers it.</summary>
    ValueTask<LedgerResult> ChargeAsync(LedgerCharge charge, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reserves an amount now (the balance drops at once) to be settled later by <see cref="PostHoldAsync"/>
    /// or returned by <see cref="VoidHoldAsync"/>; a hold still pending at <see cref="LedgerHold.ExpiresAt"/> is voided.
    /// </summary>
    ValueTask<LedgerResult> HoldAsync(LedgerHold hold, CancellationToken cancellationToken = default);

    /// <summary>Settles a pending hold: the reserved amount goes to revenue.</summary>
    ValueTask<LedgerResult> PostHoldAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary>Cancels a pending hold: the reserved amount returns to the user.</summary>
    ValueTask<LedgerResult> VoidHoldAsync(Guid holdId, CancellationToken cancellationToken = default);

    /// <summary>Returns the amount of a charge or posted hold to the user, at most once per original transfer.</summary>
    ValueTask<LedgerResult> RefundAsync(LedgerRefund refund, CancellationToken cancellationToken = default);

    /// <summary>Gets the user's available balance of an asset in minor units (0 for an account never used).</summary>
    ValueTask<long> GetBalanceAsync(Guid userId, LedgerAsset asset, CancellationToken cancellationToken = default);
}
