using System.Net;

namespace ProxyKit.Relay.Addressing;

/// <summary>For addresses that already exist on the host (<c>::1</c>, a pre-configured address): assigns nothing, removes nothing.</summary>
public sealed class NullAddressAssigner : IAddressAssigner
{
    /// <inheritdoc />
    public string Name => "none";

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success);

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success);

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success);
}
