using ProxyKit.Leasing;

namespace ProxyKit.Pool.Leasing;

/// <summary>The pool's leases as <c>GET /account/leases</c> lists them.</summary>
internal sealed class LeaseDirectory(LeaseStore store, TimeProvider timeProvider) : ILeaseDirectory
{
    public Task<IReadOnlyList<LeaseSummary>> GetActiveLeasesAsync(Guid userId, CancellationToken cancellationToken = default) =>
        store.ListActiveAsync(userId, timeProvider.GetUtcNow(), cancellationToken);
}
