using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Relay.Egress;

/// <summary>The system resolver (<see cref="Dns"/>) with a small cache: the OS reports no TTLs, so answers are kept for a fixed time.</summary>
public sealed class SystemDnsResolver : IDnsResolver
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(string Host, AddressFamily Family), (long Expires, IReadOnlyList<IPAddress> Addresses)> _cache = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _cacheDuration;

    /// <summary>Creates a resolver caching answers for <paramref name="cacheDuration"/> (zero disables the cache).</summary>
    public SystemDnsResolver(TimeProvider timeProvider, TimeSpan cacheDuration)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _cacheDuration = cacheDuration;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var key = (host.ToLowerInvariant(), family);
        var now = _timeProvider.GetTimestamp();
        if (_cache.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Addresses;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain or SocketError.NoRecovery)
        {
            addresses = [];
        }

        if (_cacheDuration > TimeSpan.Zero && addresses.Length > 0)
        {
            if (_cache.Count >= MaxEntries)
            {
                _cache.Clear(); // crude but bounded; a relay's working set of names is small
            }

            _cache[key] = (now + (long)(_cacheDuration.TotalSeconds * _timeProvider.TimestampFrequency), addresses);
        }

        return addresses;
    }
}
