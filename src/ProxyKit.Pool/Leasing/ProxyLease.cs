namespace ProxyKit.Pool.Leasing;

/// <summary>An acquired lease: the proxy, until when it is the caller's, and the credits left after paying for it.</summary>
/// <param name="LeaseId">The lease (release it with this id).</param>
/// <param name="Proxy">The leased proxy and its credentials.</param>
/// <param name="AcquiredAt">When it was acquired.</param>
/// <param name="ExpiresAt">When it ends unless released earlier.</param>
/// <param name="CreditsRemaining">The caller's credit balance after the charge (for a replay, the balance now).</param>
/// <param name="Replayed">Whether this is the lease an earlier request with the same idempotency key acquired.</param>
public sealed record ProxyLease(Guid LeaseId, LeasedProxy Proxy, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt, long CreditsRemaining, bool Replayed);
