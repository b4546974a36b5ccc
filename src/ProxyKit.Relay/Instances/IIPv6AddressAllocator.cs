using System.Net;

namespace ProxyKit.Relay.Instances;

/// <summary>
/// Hands out IPv6 addresses inside a prefix that were never handed out before: allocation numbers 0, 1, 2, ... (a
/// counter kept in the database, so several hosts share it without collisions) pass through a keyed permutation of
/// the prefix's host bits, so addresses look random and never repeat. Reserved interface ids (all zeros, the RFC 2526
/// anycast range) are skipped. Released addresses are recycled only when the prefix is exhausted, after a quarantine.
/// </summary>
public interface IIPv6AddressAllocator
{
    /// <summary>Takes the next address of <paramref name="prefix"/>.</summary>
    /// <exception cref="ProxyKitException">The prefix is exhausted and no released address has finished its quarantine.</exception>
    ValueTask<IPAddress> AllocateAsync(IPNetwork prefix, CancellationToken cancellationToken = default);

    /// <summary>Returns an address; it may be handed out again only after the quarantine, once the prefix is exhausted.</summary>
    ValueTask ReleaseAsync(IPNetwork prefix, IPAddress address, CancellationToken cancellationToken = default);

    /// <summary>Reports how much of <paramref name="prefix"/> is used.</summary>
    ValueTask<AddressCapacity> GetCapacityAsync(IPNetwork prefix, CancellationToken cancellationToken = default);
}

/// <summary>How much of a prefix is used.</summary>
/// <param name="Prefix">The prefix.</param>
/// <param name="Total">Addresses the allocator can ever hand out fresh (reserved interface ids excluded only approximately: at most 129 per /64).</param>
/// <param name="Issued">Fresh addresses handed out so far.</param>
/// <param name="Released">Addresses returned and not yet handed out again.</param>
public sealed record AddressCapacity(IPNetwork Prefix, UInt128 Total, UInt128 Issued, long Released)
{
    /// <summary>Gets the fresh addresses left.</summary>
    public UInt128 Remaining => Total > Issued ? Total - Issued : UInt128.Zero;
}
