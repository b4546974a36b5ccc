using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace ProxyKit.Relay.Egress;

/// <summary>
/// The default <see cref="IOutboundConnector"/>: binds each upstream socket to the egress address (sticky) or to a fresh
/// random address of the egress prefix (rotating, with <c>IPV6_FREEBIND</c>) before connecting, resolves names to the
/// permitted families only, refuses denied destinations, and tries every address in turn with a staggered start.
/// </summary>
public sealed class SocketOutboundConnector : IOutboundConnector
{
    // Linux socket options (not exposed by System.Net.Sockets).
    private const int SolIp = 0;
    private const int SolIPv6 = 41;
    private const int IpFreebind = 15;
    private const int IpBindAddressNoPort = 24;
    private const int IPv6Freebind = 78;

    // Windows: SOL_SOCKET / SO_REUSE_UNICASTPORT, the counterpart of IP_BIND_ADDRESS_NO_PORT (port chosen at connect time).
    private const int WindowsSolSocket = 0xffff;
    private const int WindowsReuseUnicastPort = 0x3007;

    private readonly IDnsResolver _dns;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a connector.</summary>
    public SocketOutboundConnector(IDnsResolver dns, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _dns = dns;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public async ValueTask<OutboundConnection> ConnectAsync(RelayTarget target, OutboundSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (target.Port == 0 || settings.Destinations.DeniedPorts.Contains(target.Port))
        {
            return new OutboundConnection(null, OutboundError.DestinationDenied);
        }

        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var (addresses, error) = await CandidatesAsync(target, settings, linked.Token).ConfigureAwait(false);
            if (error != OutboundError.None)
            {
                return new OutboundConnection(null, error);
            }

            return await RaceAsync(addresses, target.Port, settings.Egress, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new OutboundConnection(null, OutboundError.TimedOut);
        }
    }

    private async ValueTask<(List<IPAddress> Addresses, OutboundError Error)> CandidatesAsync(RelayTarget target, OutboundSettings settings, CancellationToken cancellationToken)
    {
        var policy = settings.Egress.Policy;
        List<IPAddress> addresses;
        if (target.Address is { } literal)
        {
            var normalized = Normalize(literal, policy);
            if (normalized is null)
            {
                return ([], OutboundError.AddressTypeNotAllowed);
            }

            addresses = [normalized];
        }
        else
        {
            var family = policy switch
            {
                EgressAddressPolicy.IPv6Only => AddressFamily.InterNetworkV6,
                EgressAddressPolicy.IPv4Only => AddressFamily.InterNetwork,
                _ => AddressFamily.Unspecified,
            };
            var resolved = await _dns.ResolveAsync(target.Host!, family, cancellationToken).ConfigureAwait(false);
            addresses = [.. resolved.Select(a => Normalize(a, policy)).OfType<IPAddress>().Distinct()];
            if (policy == EgressAddressPolicy.DualStack)
            {
                addresses = Interleave(addresses);
            }

            if (addresses.Count == 0)
            {
                return ([], OutboundError.NameNotResolved);
            }
        }

        // A bound source address can only reach its own family.
        var egressFamily = settings.Egress.Address?.AddressFamily ?? settings.Egress.RotatingPrefix?.BaseAddress.AddressFamily;
        if (egressFamily is { } fixedFamily)
        {
            addresses.RemoveAll(a => a.AddressFamily != fixedFamily);
            if (addresses.Count == 0)
            {
                return ([], OutboundError.AddressTypeNotAllowed);
            }
        }

        addresses.RemoveAll(a => !settings.Destinations.IsAllowed(a, target.Port));
        return addresses.Count == 0 ? ([], OutboundError.DestinationDenied) : (addresses, OutboundError.None);
    }

    // Connection attempts start one after another, each ConnectAttemptDelay after the previous unless it already failed; the first success wins.
    private async ValueTask<OutboundConnection> RaceAsync(List<IPAddress> addresses, int port, EgressOptions egress, CancellationToken cancellationToken)
    {
        using var raceOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var attempts = new List<Task<(Socket? Socket, SocketError Error)>>();
        var lastError = SocketError.SocketError;
        var next = 0;
        try
        {
            while (true)
            {
                if (next < addresses.Count)
                {
                    attempts.Add(AttemptAsync(addresses[next++], port, egress, raceOver.Token));
                }

                if (attempts.Count == 0)
                {
                    break;
                }

                var stagger = next < addresses.Count ? Task.Delay(egress.ConnectAttemptDelay, _timeProvider, raceOver.Token) : null;
                Task finished = stagger is null
                    ? await Task.WhenAny(attempts).ConfigureAwait(false)
                    : await Task.WhenAny([.. attempts, stagger]).ConfigureAwait(false);
                if (finished == stagger)
                {
                    continue;
                }

                var attempt = (Task<(Socket? Socket, SocketError Error)>)finished;
                attempts.Remove(attempt);
                var (socket, error) = await attempt.ConfigureAwait(false);
                if (socket is not null)
                {
                    return new OutboundConnection(socket, OutboundError.None);
                }

                lastError = error;
                cancellationToken.ThrowIfCancellationRequested();
            }

            return new OutboundConnection(null, Map(lastError));
        }
        finally
        {
            await raceOver.CancelAsync().ConfigureAwait(false);
            foreach (var loser in attempts)
            {
                var (socket, _) = await loser.ConfigureAwait(false);
                socket?.Dispose();
            }
        }
    }

    private static async Task<(Socket? Socket, SocketError Error)> AttemptAsync(IPAddress address, int port, EgressOptions egress, CancellationToken cancellationToken)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            Bind(socket, address.AddressFamily, egress);
            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            return (socket, SocketError.Success);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            return (null, ex.SocketErrorCode);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            return (null, SocketError.OperationAborted);
        }
    }

    /// <summary>Binds <paramref name="socket"/> to the egress source (sticky or a fresh rotating address); leaves it unbound when none is set.</summary>
    internal static void Bind(Socket socket, AddressFamily family, EgressOptions egress)
    {
        IPAddress? source = egress.Address;
        if (egress.RotatingPrefix is { } prefix)
        {
            source = RandomAddressIn(prefix);
        }

        if (source is not null && (egress.RotatingPrefix is not null || egress.FreeBind))
        {
            if (OperatingSystem.IsLinux())
            {
                socket.SetRawSocketOption(family == AddressFamily.InterNetworkV6 ? SolIPv6 : SolIp, family == AddressFamily.InterNetworkV6 ? IPv6Freebind : IpFreebind, BitConverter.GetBytes(1));
            }
        }

        if (source is null)
        {
            return;
        }

        if (OperatingSystem.IsLinux() && socket.SocketType == SocketType.Stream)
        {
            // Choose the port at connect time: thousands of sockets bound to one address do not exhaust ports.
            socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
        }
        else if (OperatingSystem.IsWindows() && socket.SocketType == SocketType.Stream)
        {
            socket.SetRawSocketOption(WindowsSolSocket, WindowsReuseUnicastPort, BitConverter.GetBytes(1));
        }

        socket.Bind(new IPEndPoint(source, 0));
    }

    /// <summary>A uniformly random address inside <paramref name="prefix"/> whose host part is not all zeros.</summary>
    internal static IPAddress RandomAddressIn(IPNetwork prefix)
    {
        var bytes = prefix.BaseAddress.GetAddressBytes();
        Span<byte> random = stackalloc byte[bytes.Length];
        while (true)
        {
            RandomNumberGenerator.Fill(random);
            var hostNonZero = false;
            for (var bit = prefix.PrefixLength; bit < bytes.Length * 8; bit++)
            {
                var mask = (byte)(0x80 >> (bit % 8));
                bytes[bit / 8] = (byte)((bytes[bit / 8] & ~mask) | (random[bit / 8] & mask));
                hostNonZero |= (random[bit / 8] & mask) != 0;
            }

            if (hostNonZero)
            {
                return new IPAddress(bytes);
            }
        }
    }

    private static IPAddress? Normalize(IPAddress address, EgressAddressPolicy policy)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            // IPv4-mapped (::ffff:0:0/96) is IPv4 in disguise: it must not slip past an IPv6-only policy.
            return policy == EgressAddressPolicy.IPv6Only ? null : address.MapToIPv4();
        }

        return (policy, address.AddressFamily) switch
        {
            (EgressAddressPolicy.IPv6Only, AddressFamily.InterNetworkV6) => address,
            (EgressAddressPolicy.IPv4Only, AddressFamily.InterNetwork) => address,
            (EgressAddressPolicy.DualStack, AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) => address,
            _ => null,
        };
    }

    private static List<IPAddress> Interleave(List<IPAddress> addresses)
    {
        var v6 = new Queue<IPAddress>(addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6));
        var v4 = new Queue<IPAddress>(addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork));
        var result = new List<IPAddress>(addresses.Count);
        while (v6.Count > 0 || v4.Count > 0)
        {
            if (v6.TryDequeue(out var a))
            {
                result.Add(a);
            }

            if (v4.TryDequeue(out var b))
            {
                result.Add(b);
            }
        }

        return result;
    }

    private static OutboundError Map(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => OutboundError.ConnectionRefused,
        SocketError.NetworkUnreachable or SocketError.NetworkDown => OutboundError.NetworkUnreachable,
        SocketError.HostUnreachable or SocketError.HostDown => OutboundError.HostUnreachable,
        SocketError.TimedOut => OutboundError.TimedOut,
        _ => OutboundError.General,
    };
}
