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
    private readonly IPNetwork[] _prefixes;
    private readonly LinuxIpCommandAssigner _ip;
    private bool _routed;

    /// <summary>Creates an assigner for addresses of <paramref name="prefix"/>.</summary>
    public LinuxAnyIpAssigner(IPNetwork prefix, string ipCommand = "ip")
        : this([prefix], ipCommand)
    {
    }

    /// <summary>Creates an assigner for addresses of any of <paramref name="prefixes"/> (one local route each).</summary>
    public LinuxAnyIpAssigner(IEnumerable<IPNetwork> prefixes, string ipCommand = "ip")
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        _prefixes = [.. prefixes.Distinct()];
        if (_prefixes.Length == 0 || _prefixes.Any(p => p.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("AnyIP needs at least one IPv6 prefix, and only IPv6 prefixes.", nameof(prefixes));
        }

        _ip = new LinuxIpCommandAssigner(TimeSpan.FromMinutes(10), ipCommand);
    }

    /// <inheritdoc />
    public string Name => "anyip";

    /// <inheritdoc />
    public async ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!_prefixes.Any(p => p.Contains(address)))
        {
            return new(AddressAssignmentError.PrefixNotRouted, $"{address} is outside the AnyIP prefixes routed to this host ({string.Join(", ", _prefixes)}).");
        }

        return await EnsureRouteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success);

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AddressAssignmentResult.Success); // the route serves the whole prefix; nothing per address

    /// <summary>Adds (or keeps) the local route of every prefix.</summary>
    public async ValueTask<AddressAssignmentResult> EnsureRouteAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _routed))
        {
            return AddressAssignmentResult.Success;
        }

        // "route replace" is idempotent, so concurrent first callers may both run it.
        foreach (var prefix in _prefixes)
        {
            var (exitCode, _, error) = await _ip.ExecuteAsync(["-6", "route", "replace", "local", prefix.ToString(), "dev", "lo"], cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                return error.Contains("Operation not permitted", StringComparison.Ordinal)
                    ? new(AddressAssignmentError.AccessDenied, "Adding the AnyIP route needs CAP_NET_ADMIN (run as root or grant the capability).")
                    : new(AddressAssignmentError.Failed, $"Could not add the local route for {prefix}: {error.Trim()}");
            }
        }

        Volatile.Write(ref _routed, true);
        return AddressAssignmentResult.Success;
    }

    /// <summary>Removes the local routes.</summary>
    public async ValueTask RemoveRouteAsync(CancellationToken cancellationToken = default)
    {
        foreach (var prefix in _prefixes)
        {
            await _ip.ExecuteAsync(["-6", "route", "del", "local", prefix.ToString(), "dev", "lo"], cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _routed, false);
    }
}
