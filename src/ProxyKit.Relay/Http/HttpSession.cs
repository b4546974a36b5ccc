using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tunnels;

namespace ProxyKit.Relay.Http;

/// <summary>
/// One HTTP proxy client: <c>CONNECT</c> tunnels (answered 200 only once the upstream connection is up) and absolute-form
/// requests forwarded with keep-alive, hop-by-hop headers removed. Failures carry an RFC 9209 <c>Proxy-Status</c> header.
/// </summary>
internal static class HttpSession
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer", "Upgrade",
    };

    public static async Task RunAsync(Socket client, BufferedSocketReader reader, ListenerContext context, ConnectionActivity activity, bool overLimit, HandshakeDeadline handshake)
    {
        var counters = activity;
        Upstream? upstream = null;
        try
        {
            var first = true;
            while (true)
            {
                // The first request must arrive within the handshake timeout; later ones within the idle timeout.
                var token = first ? handshake.Token : activity.Closing.Token;
                var (status, head) = await ReadHeadAsync(reader, token).ConfigureAwait(false);
                if (status == HeadStatus.Closed)
                {
                    if (first)
                    {
                        counters.Failed(RelayFailureReason.BadHandshake);
                    }

                    return;
                }

                if (status == HeadStatus.TooLarge)
                {
                    await ErrorAsync(client, 431, "Request Header Fields Too Large", "http_request_error", token).ConfigureAwait(false);
                    counters.Failed(RelayFailureReason.BadHandshake);
                    return;
                }

                handshake.Complete();
                var request = HttpMessageHead.ParseRequest(head!);
                reader.Consume(head!.Length);
                if (request is null)
                {
                    await ErrorAsync(client, 400, "Bad Request", "http_request_error", token).ConfigureAwait(false);
                    counters.Failed(RelayFailureReason.BadHandshake);
                    return;
                }

                if (context.Options.Credentials is { } credentials && !Authorized(request, credentials))
                {
                    await ErrorAsync(client, 407, "Proxy Authentication Required", "http_request_denied", token, ("Proxy-Authenticate", "Basic realm=\"ProxyKit\"")).ConfigureAwait(false);
                    counters.Failed(RelayFailureReason.AuthenticationFailed);
                    return;
                }

                if (overLimit)
                {
                    await ErrorAsync(client, 503, "Service Unavailable", "connection_limit_reached", token).ConfigureAwait(false);
                    counters.Failed(RelayFailureReason.ConnectionLimit);
                    return;
                }

                if (string.Equals(request.First, "CONNECT", StringComparison.OrdinalIgnoreCase))
                {
                    await ConnectAsync(client, reader, request, context, activity).ConfigureAwait(false);
                    return;
                }

                if (!Uri.TryCreate(request.Second, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || string.IsNullOrEmpty(uri.Host))
                {
                    await ErrorAsync(client, 400, "Bad Request", "http_request_error", token).ConfigureAwait(false);
                    counters.Failed(RelayFailureReason.BadHandshake);
                    return;
                }

                if (!HttpBodyFraming.TryGetRequestFraming(request, out _, out _))
                {
                    await ErrorAsync(client, 400, "Bad Request", "http_request_error", token).ConfigureAwait(false);
                    counters.Failed(RelayFailureReason.BadHandshake);
                    return;
                }

                first = false;
                var outcome = await ForwardAsync(client, reader, request, uri, context, activity, upstream).ConfigureAwait(false);
                upstream = outcome.Upstream;
                if (!outcome.KeepAlive)
                {
                    return;
                }
            }
        }
        finally
        {
            upstream?.Dispose();
        }
    }

    private static async Task ConnectAsync(Socket client, BufferedSocketReader reader, HttpMessageHead request, ListenerContext context, ConnectionActivity activity)
    {
        var token = activity.Closing.Token;
        if (!TryParseAuthority(request.Second, out var target))
        {
            await ErrorAsync(client, 400, "Bad Request", "http_request_error", token).ConfigureAwait(false);
            activity.Failed(RelayFailureReason.BadHandshake);
            return;
        }

        activity.Target = target.ToString();
        var connection = await context.Connector.ConnectAsync(target, context.Outbound, token).ConfigureAwait(false);
        if (!connection.Succeeded)
        {
            Log.UpstreamFailed(context.Logger, context.Options.Name, target.ToString(), connection.Error);
            await FailAsync(client, connection.Error, token).ConfigureAwait(false);
            activity.Failed(ListenerContext.ReasonFor(connection.Error));
            return;
        }

        using var upstream = connection.Socket!;
        await client.SendAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), SocketFlags.None, token).ConfigureAwait(false);
        var pending = reader.BufferedMemory.ToArray();
        reader.Dispose();
        await Tunnel.RunAsync(client, upstream, pending, activity.Sent, activity.Received, activity, context.Limiter, token).ConfigureAwait(false);
    }

    private static async Task<(Upstream? Upstream, bool KeepAlive)> ForwardAsync(
        Socket client, BufferedSocketReader clientReader, HttpMessageHead request, Uri uri, ListenerContext context, ConnectionActivity activity, Upstream? upstream)
    {
        var token = activity.Closing.Token;
        var counters = activity;
        var authority = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        activity.Target = authority;
        if (upstream is null || upstream.Authority != authority)
        {
            upstream?.Dispose();
            upstream = null;
            var connection = await context.Connector.ConnectAsync(RelayTarget.ForHost(uri.IdnHost, uri.Port), context.Outbound, token).ConfigureAwait(false);
            if (!connection.Succeeded)
            {
                Log.UpstreamFailed(context.Logger, context.Options.Name, authority, connection.Error);
                await FailAsync(client, connection.Error, token).ConfigureAwait(false);
                counters.Failed(ListenerContext.ReasonFor(connection.Error));
                return (null, false);
            }

            upstream = new Upstream(authority, connection.Socket!, context.Options.MaxHandshakeBytes);
        }

        var clientKeepAlive = request.Third == "HTTP/1.1" && !request.HasToken("Connection", "close") && !request.HasToken("Proxy-Connection", "close");
        var skip = SkipFor(request);
        var head = request.Serialize($"{request.First} {uri.PathAndQuery} HTTP/1.1", name => skip(name) || name.Equals("Host", StringComparison.OrdinalIgnoreCase), ("Host", authority));
        await upstream.Socket.SendAsync(head, SocketFlags.None, token).ConfigureAwait(false);
        counters.Sent(head.Length);
        activity.Touch();

        // The request body goes up while the response comes down (a server may answer early, or send 100 Continue first).
        using var bodyCancel = CancellationTokenSource.CreateLinkedTokenSource(token);
        var body = CopyBodyAsync(clientReader, upstream.Socket, request, counters.Sent, bodyCancel.Token);
        var isHead = string.Equals(request.First, "HEAD", StringComparison.OrdinalIgnoreCase);
        while (true)
        {
            var (status, responseBytes) = await ReadHeadAsync(upstream.Reader, token).ConfigureAwait(false);
            var response = status == HeadStatus.Complete ? HttpMessageHead.ParseResponse(responseBytes!) : null;
            if (response is null)
            {
                await StopBodyAsync(body, bodyCancel).ConfigureAwait(false);
                await ErrorAsync(client, 502, "Bad Gateway", "http_protocol_error", token).ConfigureAwait(false);
                counters.Failed(RelayFailureReason.UpstreamError);
                upstream.Dispose();
                return (null, false);
            }

            upstream.Reader.Consume(responseBytes!.Length);
            var code = response.StatusCode;
            if (code == 101)
            {
                // Protocol switch (e.g. WebSocket): pass the head through with its Upgrade headers, then tunnel.
                await StopBodyAsync(body, bodyCancel).ConfigureAwait(false);
                var switching = response.Serialize($"{response.First} {response.Second} {response.Third}", static _ => false);
                await client.SendAsync(switching, SocketFlags.None, token).ConfigureAwait(false);
                counters.Received(switching.Length);
                var pendingUp = clientReader.BufferedMemory.ToArray();
                var pendingDown = upstream.Reader.BufferedMemory.ToArray();
                clientReader.Dispose();
                if (pendingDown.Length > 0)
                {
                    await client.SendAsync(pendingDown, SocketFlags.None, token).ConfigureAwait(false);
                    counters.Received(pendingDown.Length);
                }

                await Tunnel.RunAsync(client, upstream.Socket, pendingUp, counters.Sent, counters.Received, activity, context.Limiter, token).ConfigureAwait(false);
                upstream.Dispose();
                return (null, false);
            }

            if (!HttpBodyFraming.TryGetResponseFraming(response, isHead, out var framing, out var length))
            {
                await StopBodyAsync(body, bodyCancel).ConfigureAwait(false);
                await ErrorAsync(client, 502, "Bad Gateway", "http_protocol_error", token).ConfigureAwait(false);
                counters.Failed(RelayFailureReason.UpstreamError);
                upstream.Dispose();
                return (null, false);
            }

            var upstreamKeepAlive = response.First == "HTTP/1.1" && !response.HasToken("Connection", "close") && framing != Framing.UntilClose;
            var keepAlive = clientKeepAlive && framing != Framing.UntilClose;
            var hopByHop = SkipFor(response);
            Func<string, bool> responseSkip = framing == Framing.Chunked
                ? name => hopByHop(name) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                : hopByHop;
            var outHead = response.Serialize(
                $"HTTP/1.1 {response.Second} {response.Third}",
                responseSkip,
                keepAlive || code < 200 ? [] : [("Connection", "close")]);
            await client.SendAsync(outHead, SocketFlags.None, token).ConfigureAwait(false);
            counters.Received(outHead.Length);
            activity.Touch();
            if (code < 200)
            {
                continue; // interim response; the final one follows
            }

            var complete = framing switch
            {
                Framing.Chunked => await upstream.Reader.CopyChunkedAsync(client, counters.Received, token).ConfigureAwait(false),
                Framing.Length => await upstream.Reader.CopyExactAsync(length, client, counters.Received, token).ConfigureAwait(false),
                Framing.UntilClose => await CopyToEndAsync(upstream.Reader, client, counters.Received, token).ConfigureAwait(false),
                _ => true,
            };
            activity.Touch();
            var bodySent = await StopBodyAsync(body, bodyCancel).ConfigureAwait(false);
            if (!bodySent)
            {
                keepAlive = false; // the request body was not (fully) consumed: this connection cannot carry another request
            }

            if (!complete || !upstreamKeepAlive || !bodySent)
            {
                upstream.Dispose();
                upstream = null;
            }

            return (upstream, keepAlive && complete);
        }
    }

    // Lets a finished body copy report, or stops one still running (its reader must not outlive this request).
    private static async Task<bool> StopBodyAsync(Task<bool> body, CancellationTokenSource cancel)
    {
        if (!body.IsCompleted)
        {
            await cancel.CancelAsync().ConfigureAwait(false);
        }

        return await body.ConfigureAwait(false);
    }

    private static async Task<bool> CopyToEndAsync(BufferedSocketReader reader, Socket destination, Action<int> onCopied, CancellationToken cancellationToken)
    {
        await reader.CopyToEndAsync(destination, onCopied, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> CopyBodyAsync(BufferedSocketReader clientReader, Socket upstream, HttpMessageHead request, Action<int> onCopied, CancellationToken cancellationToken)
    {
        try
        {
            HttpBodyFraming.TryGetRequestFraming(request, out var framing, out var length); // validated before forwarding
            return framing switch
            {
                Framing.Chunked => await clientReader.CopyChunkedAsync(upstream, onCopied, cancellationToken).ConfigureAwait(false),
                Framing.Length => await clientReader.CopyExactAsync(length, upstream, onCopied, cancellationToken).ConfigureAwait(false),
                _ => true,
            };
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static Func<string, bool> SkipFor(HttpMessageHead head)
    {
        var listed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in head.Headers)
        {
            if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase))
            {
                listed.UnionWith(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return name => HopByHop.Contains(name) || listed.Contains(name);
    }

    private enum HeadStatus
    {
        Complete,
        Closed,
        TooLarge,
    }

    private static async Task<(HeadStatus Status, byte[]? Head)> ReadHeadAsync(BufferedSocketReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var end = HttpMessageHead.FindEnd(reader.Buffered);
            if (end > 0)
            {
                return (HeadStatus.Complete, reader.Buffered[..end].ToArray());
            }

            if (reader.IsFull)
            {
                return (HeadStatus.TooLarge, null);
            }

            if (!await reader.FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return (HeadStatus.Closed, null);
            }
        }
    }

    private static bool Authorized(HttpMessageHead request, RelayCredentials credentials)
    {
        var header = request.Get("Proxy-Authorization");
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(header[6..].Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        // RFC 7617: the user-id ends at the first colon; the password may contain more.
        var pair = Encoding.UTF8.GetString(decoded);
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && credentials.Verify(pair[..colon], pair[(colon + 1)..]);
    }

    private static bool TryParseAuthority(string authority, out RelayTarget target)
    {
        target = default;
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(authority.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = authority[..colon];
        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || !System.Net.IPAddress.TryParse(host[1..^1], out var v6))
            {
                return false;
            }

            target = RelayTarget.ForAddress(v6, port);
            return true;
        }

        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal) || host.Any(static c => c <= ' ' || c >= 0x7F || c is '/' or '@'))
        {
            return false;
        }

        target = RelayTarget.ForHost(host, port);
        return true;
    }

    private static Task FailAsync(Socket client, OutboundError error, CancellationToken cancellationToken) => error switch
    {
        OutboundError.DestinationDenied => ErrorAsync(client, 403, "Forbidden", "destination_ip_prohibited", cancellationToken),
        OutboundError.AddressTypeNotAllowed => ErrorAsync(client, 403, "Forbidden", "destination_ip_prohibited", cancellationToken),
        OutboundError.NameNotResolved => ErrorAsync(client, 502, "Bad Gateway", "dns_error", cancellationToken),
        OutboundError.ConnectionRefused => ErrorAsync(client, 502, "Bad Gateway", "connection_refused", cancellationToken),
        OutboundError.NetworkUnreachable or OutboundError.HostUnreachable => ErrorAsync(client, 502, "Bad Gateway", "destination_ip_unroutable", cancellationToken),
        OutboundError.TimedOut => ErrorAsync(client, 504, "Gateway Timeout", "connection_timeout", cancellationToken),
        _ => ErrorAsync(client, 502, "Bad Gateway", "destination_unavailable", cancellationToken),
    };

    private static async Task ErrorAsync(Socket client, int status, string reason, string proxyStatusError, CancellationToken cancellationToken, params (string Name, string Value)[] extra)
    {
        var body = $"{status} {reason}: {proxyStatusError}\n";
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason}\r\n");
        builder.Append(CultureInfo.InvariantCulture, $"Proxy-Status: ProxyKit; error={proxyStatusError}\r\n");
        foreach (var (name, value) in extra)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        builder.Append(CultureInfo.InvariantCulture, $"Content-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
        try
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(builder.ToString()), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // The client is gone; nothing to tell.
        }
    }

    private sealed class Upstream(string authority, Socket socket, int maxHead) : IDisposable
    {
        public string Authority { get; } = authority;

        public Socket Socket { get; } = socket;

        public BufferedSocketReader Reader { get; } = new(socket, maxHead);

        public void Dispose()
        {
            Reader.Dispose();
            Socket.Dispose();
        }
    }
}
