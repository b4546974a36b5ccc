using System.Buffers;
using System.Net;
using System.Net.Sockets;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tunnels;

namespace ProxyKit.Relay.Socks5;

/// <summary>
/// SOCKS5 UDP ASSOCIATE (RFC 1928 §7): a client-facing UDP socket on the listener's address and an upstream UDP socket
/// on the egress address. Datagrams carry the RFC header; fragments (FRAG != 0) are dropped. Only the client's own IP may
/// use the association, which lives exactly as long as the TCP control connection.
/// </summary>
internal static class Socks5UdpAssociation
{
    private const int MaxDatagram = 65_535;

    public static async Task RunAsync(Socket control, BufferedSocketReader reader, RelayTarget declared, ListenerContext context, ConnectionActivity activity)
    {
        var clientAddress = ((IPEndPoint)control.RemoteEndPoint!).Address;
        var localAddress = ((IPEndPoint)control.LocalEndPoint!).Address;
        using var clientSide = new Socket(localAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        clientSide.Bind(new IPEndPoint(localAddress, 0));
        using var upstream = CreateUpstream(context.Options.Egress);

        var reply = new byte[22];
        var length = Socks5Protocol.WriteReply(reply, Socks5Reply.Succeeded, (IPEndPoint)clientSide.LocalEndPoint!);
        await control.SendAsync(reply.AsMemory(0, length), SocketFlags.None, activity.Closing.Token).ConfigureAwait(false);
        reader.Dispose();

        // A client that names its UDP port up front is held to it.
        var expectedPort = declared.Address is not null ? declared.Port : 0;
        var association = new Association(clientAddress, expectedPort);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(activity.Closing.Token);
        var fromClient = FromClientAsync(clientSide, upstream, association, context, activity, done.Token);
        var fromTargets = FromTargetsAsync(upstream, clientSide, association, context, activity, done.Token);
        await WaitForCloseAsync(control, done.Token).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(fromClient, fromTargets).ConfigureAwait(false);
    }

    private static Socket CreateUpstream(EgressOptions egress)
    {
        var family = egress.Address?.AddressFamily ?? egress.RotatingPrefix?.BaseAddress.AddressFamily
            ?? (egress.Policy == EgressAddressPolicy.IPv4Only ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6);
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        if (family == AddressFamily.InterNetworkV6 && egress.Policy == EgressAddressPolicy.DualStack && egress.Address is null && egress.RotatingPrefix is null)
        {
            socket.DualMode = true;
        }

        SocketOutboundConnector.Bind(socket, family, egress);
        if (!socket.IsBound)
        {
            socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }

        return socket;
    }

    private static async Task FromClientAsync(Socket clientSide, Socket upstream, Association association, ListenerContext context, ConnectionActivity activity, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var any = new IPEndPoint(clientSide.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            while (true)
            {
                var received = await clientSide.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                var from = (IPEndPoint)received.RemoteEndPoint;
                if (!association.Accepts(from))
                {
                    continue;
                }

                var datagram = buffer.AsSpan(0, received.ReceivedBytes);
                if (datagram.Length < 4 || datagram[0] != 0 || datagram[1] != 0 || datagram[2] != 0
                    || Socks5Protocol.ParseAddress(datagram[3..], out var headerLength, out var target, out _) != ParseStatus.Complete)
                {
                    continue; // malformed or fragmented (FRAG != 0): dropped, as RFC 1928 allows
                }

                var destination = await ResolveAsync(target, context, cancellationToken).ConfigureAwait(false);
                if (destination is null)
                {
                    continue;
                }

                var payload = buffer.AsMemory(3 + headerLength, received.ReceivedBytes - 3 - headerLength);
                await upstream.SendToAsync(payload, SocketFlags.None, destination, cancellationToken).ConfigureAwait(false);
                activity.Sent(payload.Length);
                activity.Touch();
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Association over.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task FromTargetsAsync(Socket upstream, Socket clientSide, Association association, ListenerContext context, ConnectionActivity activity, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram + 22);
        var any = new IPEndPoint(upstream.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var header = new byte[22];
        try
        {
            while (true)
            {
                // Receive past the largest header, then write the header in front of the payload.
                var received = await upstream.ReceiveFromAsync(buffer.AsMemory(22, MaxDatagram), SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                if (association.Client is not { } client)
                {
                    continue;
                }

                var headerLength = 3 + Socks5Protocol.WriteAddress(header.AsSpan(3), (IPEndPoint)received.RemoteEndPoint);
                header.AsSpan(0, headerLength).CopyTo(buffer.AsSpan(22 - headerLength));
                await clientSide.SendToAsync(buffer.AsMemory(22 - headerLength, headerLength + received.ReceivedBytes), SocketFlags.None, client, cancellationToken).ConfigureAwait(false);
                activity.Received(received.ReceivedBytes);
                activity.Touch();
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Association over.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<IPEndPoint?> ResolveAsync(RelayTarget target, ListenerContext context, CancellationToken cancellationToken)
    {
        var egress = context.Options.Egress;
        IEnumerable<IPAddress> candidates;
        if (target.Address is { } literal)
        {
            candidates = [literal];
        }
        else
        {
            var family = egress.Policy switch
            {
                EgressAddressPolicy.IPv6Only => AddressFamily.InterNetworkV6,
                EgressAddressPolicy.IPv4Only => AddressFamily.InterNetwork,
                _ => AddressFamily.Unspecified,
            };
            candidates = await context.Dns.ResolveAsync(target.Host!, family, cancellationToken).ConfigureAwait(false);
        }

        foreach (var candidate in candidates)
        {
            var address = candidate.IsIPv4MappedToIPv6 && egress.Policy != EgressAddressPolicy.IPv6Only ? candidate.MapToIPv4() : candidate;
            var familyAllowed = egress.Policy switch
            {
                EgressAddressPolicy.IPv6Only => address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6,
                EgressAddressPolicy.IPv4Only => address.AddressFamily == AddressFamily.InterNetwork,
                _ => true,
            };
            if (familyAllowed && context.Options.Destinations.IsAllowed(address, target.Port))
            {
                return new IPEndPoint(address, target.Port);
            }
        }

        return null;
    }

    private static async Task WaitForCloseAsync(Socket control, CancellationToken cancellationToken)
    {
        var sink = new byte[64];
        try
        {
            while (await control.ReceiveAsync(sink, SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
            {
                // Anything the client sends on the control connection is ignored.
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Closed or reset: the association ends either way.
        }
    }

    private sealed class Association(IPAddress clientAddress, int expectedPort)
    {
        private IPEndPoint? _client;

        public IPEndPoint? Client => Volatile.Read(ref _client);

        public bool Accepts(IPEndPoint from)
        {
            var address = from.Address.IsIPv4MappedToIPv6 ? from.Address.MapToIPv4() : from.Address;
            var expected = clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress;
            if (!address.Equals(expected) || (expectedPort != 0 && from.Port != expectedPort))
            {
                return false;
            }

            Volatile.Write(ref _client, from);
            return true;
        }
    }
}
