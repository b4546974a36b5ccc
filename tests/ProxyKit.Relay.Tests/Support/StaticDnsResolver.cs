using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Egress;

namespace ProxyKit.Relay.Tests.Support;

/// <summary>
/// An <see cref="IDnsResolver"/> over a fixed table: names map to addresses, answered per the requested family
/// like a real resolver (A for IPv4, AAAA for IPv6, both for Unspecified). Unknown names resolve to nothing. No network.
/// </summary>
internal sealed class StaticDnsResolver : IDnsResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _table = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<(string Host, AddressFamily Family)> _queries = new();

    public StaticDnsResolver Add(string host, params IPAddress[] addresses)
    {
        _table[host] = addresses;
        return this;
    }

    /// <summary>Every lookup asked of this resolver, in order.</summary>
    public IReadOnlyList<(string Host, AddressFamily Family)> Queries => [.. _queries];

    public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        _queries.Enqueue((host, family));
        IReadOnlyList<IPAddress> answer = _table.TryGetValue(host, out var addresses)
            ? [.. addresses.Where(a => family == AddressFamily.Unspecified || a.AddressFamily == family)]
            : [];
        return ValueTask.FromResult(answer);
    }
}
