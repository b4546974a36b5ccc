using System.Net;
using System.Runtime.Versioning;

namespace ProxyKit.Relay.Addressing;

/// <summary>
/// Linux AnyIP: one <c>local</c> route for a whole prefix on <c>lo</c> (<c>ip -6 route replace local PREFIX dev lo</c>)
/// makes every address of it usable as a source at once, with no per-address work. Needs the provider to route the
/// prefix to this host (an on-link /64 also needs an NDP responder).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxAnyIpAssigner : IAddressAssigner
{
    private readonly IPNetwork _prefix;
    private readonly LinuxIpCommandAssigner _ip;
    private bool _routed;

    /// <summary>Creates an assigner for addresses of <paramref name="prefix"/>.</summary>
    public LinuxAnyIpAssigner(IPNetwork prefix, string ipCommand = "ip")
    {
        if (prefix.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("AnyIP needs an IPv6 prefix.", nameof(prefix));
        }

        _prefix = prefix;
        _ip = new LinuxIpCommandAssigner(TimeSpan.FromMinutes(10), ipCommand);
    }

    /// <inheritdoc />
    public string Name => "anyip";

    /// <inheritdoc />
    public async ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!_prefix.Contains(address))
        {
            return new(AddressAssignmentError.PrefixNotRouted, $"{address} is outside the AnyIP prefix {_prefix} routed to this host.");
        }

        return await EnsureRouteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success);

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success); // the route serves the whole prefix; nothing per address

    /// <summary>Adds (or keeps) the local route for the prefix.</summary>
    public async ValueTask<AddressAssignmentResult> EnsureRouteAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _routed))
        {
            return AddressAssignmentResult.Success;
        }

        // "route replace" is idempotent, so concurrent first callers may both run it.
        var (exitCode, _, error) = await _ip.ExecuteAsync(["-6", "route", "replace", "local", _prefix.ToString(), "dev", "lo"], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            return error.Contains("Operation not permitted", StringComparison.Ordinal)
                ? new(AddressAssignmentError.AccessDenied, "Adding the AnyIP route needs CAP_NET_ADMIN (run as root or grant the capability).")
                : new(AddressAssignmentError.Failed, $"Could not add the local route for {_prefix}: {error.Trim()}");
        }

        Volatile.Write(ref _routed, true);
        return AddressAssignmentResult.Success;
    }

    /// <summary>Removes the local route for the prefix.</summary>
    public async ValueTask RemoveRouteAsync(CancellationToken cancellationToken = default)
    {
        await _ip.ExecuteAsync(["-6", "route", "del", "local", _prefix.ToString(), "dev", "lo"], cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _routed, false);
    }
}
