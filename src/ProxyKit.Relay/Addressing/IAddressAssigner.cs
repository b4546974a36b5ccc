using System.Net;

namespace ProxyKit.Relay.Addressing;

/// <summary>
/// Puts an address on a host interface and takes it off again (ProxyKit.Windows and the Linux assigners implement it).
/// <see cref="AssignAsync"/> returns only once the address is usable as a source, or a typed failure — never a hang.
/// </summary>
public interface IAddressAssigner
{
    /// <summary>Gets the assigner's name (<c>linux</c>, <c>anyip</c>, <c>none</c>, <c>windows</c>).</summary>
    string Name { get; }

    /// <summary>Assigns <paramref name="address"/> to <paramref name="interfaceName"/>.</summary>
    ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default);

    /// <summary>Extends the lifetime of an assigned address (assigners whose addresses expire on their own renew them here).</summary>
    ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="address"/> from <paramref name="interfaceName"/>; removing an absent address succeeds.</summary>
    ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default);
}

/// <summary>Why an address could not be assigned; each maps to an HTTP status with a message a user can act on.</summary>
public enum AddressAssignmentError
{
    /// <summary>Done.</summary>
    None,

    /// <summary>No interface has that name (HTTP 400).</summary>
    InterfaceNotFound,

    /// <summary>The interface has no global IPv6 prefix to take addresses from (HTTP 400).</summary>
    NoGlobalIPv6Prefix,

    /// <summary>The process lacks the privilege to change addresses (CAP_NET_ADMIN / Administrator) (HTTP 500).</summary>
    AccessDenied,

    /// <summary>The address is already in use on the link (HTTP 500; a new address should be tried).</summary>
    DuplicateAddress,

    /// <summary>Duplicate address detection did not finish in time (HTTP 500).</summary>
    DadTimeout,

    /// <summary>The prefix is not routed to this host, so replies would never arrive (HTTP 500).</summary>
    PrefixNotRouted,

    /// <summary>Any other failure; see the message (HTTP 500).</summary>
    Failed,
}

/// <summary>The outcome of an assigner call.</summary>
/// <param name="Error">What went wrong, or <see cref="AddressAssignmentError.None"/>.</param>
/// <param name="Message">A sentence a user can act on when it failed.</param>
public sealed record AddressAssignmentResult(AddressAssignmentError Error, string? Message = null)
{
    /// <summary>A success.</summary>
    public static AddressAssignmentResult Success { get; } = new(AddressAssignmentError.None);

    /// <summary>Gets whether the call succeeded.</summary>
    public bool Succeeded => Error == AddressAssignmentError.None;
}
