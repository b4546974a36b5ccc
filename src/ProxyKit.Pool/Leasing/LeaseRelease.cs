namespace ProxyKit.Pool.Leasing;

/// <summary>The end of a lease, as <c>POST /proxies/acquire/{lease_id}/release</c> reports it.</summary>
/// <param name="LeaseId">The lease.</param>
/// <param name="Status"><c>released</c>, or <c>expired</c> when it had already run out.</param>
/// <param name="EndedAt">When it ended (the first release's instant; repeating a release changes nothing).</param>
public sealed record LeaseRelease(Guid LeaseId, string Status, DateTimeOffset EndedAt);
