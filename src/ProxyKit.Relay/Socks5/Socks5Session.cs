using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tunnels;

namespace ProxyKit.Relay.Socks5;

/// <summary>One SOCKS5 client: greeting, optional RFC 1929 authentication, the request, then a tunnel or a UDP association.</summary>
internal static class Socks5Session
{
    public static async Task RunAsync(Socket client, BufferedSocketReader reader, ListenerContext context, ConnectionActivity activity, bool overLimit, HandshakeDeadline handshake)
    {
        var handshakeToken = handshake.Token;
        var counters = activity;
        var credentials = context.Options.Credentials;

        // Greeting.
        bool offersNoAuth = false, offersUserPass = false;
        var greeting = await ReadAsync(reader, (ReadOnlySpan<byte> data, out int consumed) =>
            Socks5Protocol.ParseGreeting(data, out consumed, out offersNoAuth, out offersUserPass), handshakeToken).ConfigureAwait(false);
        if (greeting != ParseStatus.Complete)
        {
            counters.Failed(RelayFailureReason.BadHandshake);
            return;
        }

        var method = credentials is null
            ? (offersNoAuth ? Socks5Protocol.NoAuthentication : Socks5Protocol.NoAcceptableMethods)
            : (offersUserPass ? Socks5Protocol.UsernamePassword : Socks5Protocol.NoAcceptableMethods);
        await client.SendAsync(new byte[] { Socks5Protocol.Version, method }, SocketFlags.None, handshakeToken).ConfigureAwait(false);
        if (method == Socks5Protocol.NoAcceptableMethods)
        {
            counters.Failed(RelayFailureReason.AuthenticationFailed);
            return;
        }

        if (credentials is not null)
        {
            string username = string.Empty, password = string.Empty;
            var auth = await ReadAsync(reader, (ReadOnlySpan<byte> data, out int consumed) =>
                Socks5Protocol.ParseCredentials(data, out consumed, out username, out password), handshakeToken).ConfigureAwait(false);
            var accepted = auth == ParseStatus.Complete && credentials.Verify(username, password);
            if (auth != ParseStatus.Invalid || accepted)
            {
                await client.SendAsync(new byte[] { 0x01, accepted ? (byte)0x00 : (byte)0x01 }, SocketFlags.None, handshakeToken).ConfigureAwait(false);
            }

            if (!accepted)
            {
                counters.Failed(auth == ParseStatus.Complete ? RelayFailureReason.AuthenticationFailed : RelayFailureReason.BadHandshake);
                return;
            }
        }

        // Request.
        Socks5Request request = default;
        var parsed = await ReadAsync(reader, (ReadOnlySpan<byte> data, out int consumed) =>
            Socks5Protocol.ParseRequest(data, out consumed, out request), handshakeToken).ConfigureAwait(false);
        if (parsed != ParseStatus.Complete)
        {
            // A wrong version is not SOCKS5 at all: just close. Anything else malformed gets a general failure.
            if (parsed == ParseStatus.Invalid && reader.Count > 0 && reader.Buffered[0] == Socks5Protocol.Version)
            {
                await ReplyAsync(client, Socks5Reply.GeneralFailure, null, handshakeToken).ConfigureAwait(false);
            }

            counters.Failed(RelayFailureReason.BadHandshake);
            return;
        }

        if (request.Reply is { } refusal)
        {
            await ReplyAsync(client, refusal, null, handshakeToken).ConfigureAwait(false);
            counters.Failed(RelayFailureReason.BadHandshake);
            return;
        }

        activity.Target = request.Target.ToString();
        if (overLimit)
        {
            await ReplyAsync(client, Socks5Reply.NotAllowedByRuleset, null, handshakeToken).ConfigureAwait(false);
            counters.Failed(RelayFailureReason.ConnectionLimit);
            return;
        }

        handshake.Complete();
        if (request.Command == (byte)Socks5Command.UdpAssociate)
        {
            await Socks5UdpAssociation.RunAsync(client, reader, request.Target, context, activity).ConfigureAwait(false);
            return;
        }

        var connection = await context.Connector.ConnectAsync(request.Target, context.Outbound, activity.Closing.Token).ConfigureAwait(false);
        if (!connection.Succeeded)
        {
            Log.UpstreamFailed(context.Logger, context.Options.Name, request.Target.ToString(), connection.Error);
            await ReplyAsync(client, ReplyFor(connection.Error), null, activity.Closing.Token).ConfigureAwait(false);
            counters.Failed(ListenerContext.ReasonFor(connection.Error));
            return;
        }

        using var upstream = connection.Socket!;
        await ReplyAsync(client, Socks5Reply.Succeeded, (IPEndPoint?)upstream.LocalEndPoint, activity.Closing.Token).ConfigureAwait(false);

        // Bytes the client sent right after its request (optimistic data) go upstream first.
        var pending = reader.BufferedMemory.ToArray();
        reader.Dispose();
        await Tunnel.RunAsync(client, upstream, pending, counters.Sent, counters.Received, activity, context.Limiter, activity.Closing.Token).ConfigureAwait(false);
    }

    public static Socks5Reply ReplyFor(OutboundError error) => error switch
    {
        OutboundError.DestinationDenied => Socks5Reply.NotAllowedByRuleset,
        OutboundError.AddressTypeNotAllowed => Socks5Reply.AddressTypeNotSupported,
        OutboundError.NameNotResolved or OutboundError.HostUnreachable => Socks5Reply.HostUnreachable,
        OutboundError.NetworkUnreachable => Socks5Reply.NetworkUnreachable,
        OutboundError.ConnectionRefused => Socks5Reply.ConnectionRefused,
        OutboundError.TimedOut => Socks5Reply.TtlExpired,
        _ => Socks5Reply.GeneralFailure,
    };

    private static async Task ReplyAsync(Socket client, Socks5Reply reply, IPEndPoint? bound, CancellationToken cancellationToken)
    {
        var buffer = new byte[22];
        var length = Socks5Protocol.WriteReply(buffer, reply, bound);
        await client.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    private delegate ParseStatus Parser(ReadOnlySpan<byte> data, out int consumed);

    // Parses from the buffer, reading more as needed, within the handshake byte cap. Consumes the message on success.
    private static async Task<ParseStatus> ReadAsync(BufferedSocketReader reader, Parser parse, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = parse(reader.Buffered, out var consumed);
            if (status == ParseStatus.Complete)
            {
                reader.Consume(consumed);
                return status;
            }

            if (status == ParseStatus.Invalid || reader.IsFull || !await reader.FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return status == ParseStatus.Invalid ? status : ParseStatus.Incomplete;
            }
        }
    }
}
