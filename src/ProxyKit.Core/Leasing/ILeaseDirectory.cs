namespace ProxyKit.Leasing;

/// <summary>
/// The users' active proxy leases, as the accounts side shows them (<c>GET /account/leases</c>). ProxyKit.Pool
/// implements it; a host without Pool has none, and the list is empty.
/// </summary>
public interface ILeaseDirectory
{
    /// <summary>Lists the user's leases that have not expired or been released, soonest expiry first.</summary>
    Task<IReadOnlyList<LeaseSummary>> GetActiveLeasesAsync(Guid userId, CancellationToken cancellationToken = default);
}

/// <summary>One active lease.</summary>
/// <param name="LeaseId">The lease.</param>
/// <param name="Ip">The leased proxy's address.</param>
/// <param name="Port">The leased proxy's port.</param>
/// <param name="Protocol">Its protocol (<c>http</c>, <c>socks5</c>, ...).</param>
/// <param name="Country">Its country code, when known.</param>
/// <param name="Anonymity">Its anonymity level, when known.</param>
/// <param name="AcquiredAt">When it was acquired.</param>
/// <param name="ExpiresAt">When the lease ends.</param>
public sealed record LeaseSummary(Guid LeaseId, string Ip, int Port, string Protocol, string? Country, string? Anonymity, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);
