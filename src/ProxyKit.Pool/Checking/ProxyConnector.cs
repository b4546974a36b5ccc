using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ProxyKit.Pool.Checking;

/// <summary>A TCP connection to a proxy (or a judge) with its reader.</summary>
internal sealed class ProxyChannel : IDisposable
{
    public ProxyChannel(Socket socket)
    {
        Stream = new NetworkStream(socket, ownsSocket: true);
        Reader = new HttpResponseReader(Stream);
    }

    public NetworkStream Stream { get; }

    public HttpResponseReader Reader { get; }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => Stream.WriteAsync(bytes, cancellationToken);

    public void Dispose() => Stream.Dispose();
}

/// <summary>The client side of the proxy protocols the built-in checkers speak: SOCKS4/4a, SOCKS5 (RFC 1928/1929), HTTP CONNECT and forwarding.</summary>
internal static class ProxyConnector
{
    public const string UserAgent = "ProxyKit-Checker/1.0";

    public static async Task<ProxyChannel> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new ProxyChannel(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the proxy and opens a tunnel to <paramref name="target"/> (HTTP proxies: CONNECT).</summary>
    public static async Task<ProxyChannel> OpenTunnelAsync(ProxyCheckContext context, JudgeTarget target, CancellationToken cancellationToken)
    {
        var channel = await ConnectAsync(context.EndPoint, cancellationToken).ConfigureAwait(false);
        try
        {
            switch (context.Protocol)
            {
                case "socks5":
                    await Socks5Async(channel, context, target, cancellationToken).ConfigureAwait(false);
                    break;
                case "socks4":
                    await Socks4Async(channel, context, target, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    var status = await HttpConnectAsync(channel, context, target, cancellationToken).ConfigureAwait(false);
                    if (status is < 200 or > 299)
                    {
                        throw new ProxyCheckFailure(HttpRefusal("CONNECT", status, context));
                    }

                    break;
            }

            return channel;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    /// <summary>The SOCKS5 greeting and, when the proxy asks, username/password authentication; then CONNECT when <paramref name="target"/> is given.</summary>
    public static async Task<string> Socks5Async(ProxyChannel channel, ProxyCheckContext context, JudgeTarget? target, CancellationToken cancellationToken)
    {
        var hasCredentials = context.Username is not null;
        byte[] greeting = hasCredentials ? [5, 2, 0, 2] : [5, 1, 0];
        await channel.WriteAsync(greeting, cancellationToken).ConfigureAwait(false);
        var choice = await channel.Reader.ReadBytesAsync(2, "SOCKS5 greeting", cancellationToken).ConfigureAwait(false);
        if (choice[0] != 5)
        {
            throw WrongProtocol(choice[0], "SOCKS5");
        }

        string method;
        switch (choice[1])
        {
            case 0:
                method = "no auth";
                break;
            case 2 when hasCredentials:
                var user = Encoding.UTF8.GetBytes(context.Username!);
                var password = Encoding.UTF8.GetBytes(context.Password ?? "");
                if (user.Length is 0 or > 255 || password.Length > 255)
                {
                    throw new ProxyCheckFailure("username or password longer than SOCKS5 allows (255 bytes)");
                }

                var request = new byte[3 + user.Length + password.Length];
                request[0] = 1;
                request[1] = (byte)user.Length;
                user.CopyTo(request, 2);
                request[2 + user.Length] = (byte)password.Length;
                password.CopyTo(request, 3 + user.Length);
                await channel.WriteAsync(request, cancellationToken).ConfigureAwait(false);
                var status = await channel.Reader.ReadBytesAsync(2, "SOCKS5 authentication", cancellationToken).ConfigureAwait(false);
                if (status[1] != 0)
                {
                    throw new ProxyCheckFailure("SOCKS5 authentication failed: the proxy rejected the username or password");
                }

                method = "username/password";
                break;
            case 0xFF or 2:
                throw new ProxyCheckFailure(hasCredentials
                    ? "SOCKS5 proxy accepts none of our authentication methods"
                    : "SOCKS5 proxy requires authentication and no credentials are known");
            default:
                throw new ProxyCheckFailure($"SOCKS5 proxy chose an unsupported authentication method 0x{choice[1]:x2}");
        }

        if (target is null)
        {
            return $"SOCKS5 greeting OK ({method})";
        }

        var connect = new List<byte> { 5, 1, 0 };
        if (target.Address is { } address)
        {
            connect.Add(address.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)4);
            connect.AddRange(address.GetAddressBytes());
        }
        else
        {
            var host = Encoding.ASCII.GetBytes(target.Host);
            connect.Add(3);
            connect.Add((byte)host.Length);
            connect.AddRange(host);
        }

        connect.Add((byte)(target.Port >> 8));
        connect.Add((byte)target.Port);
        await channel.WriteAsync(connect.ToArray(), cancellationToken).ConfigureAwait(false);
        var reply = await channel.Reader.ReadBytesAsync(4, "SOCKS5 CONNECT", cancellationToken).ConfigureAwait(false);
        if (reply[0] != 5)
        {
            throw WrongProtocol(reply[0], "SOCKS5");
        }

        if (reply[1] != 0)
        {
            throw new ProxyCheckFailure($"SOCKS5 CONNECT to the judge refused: {Socks5Reply(reply[1])}");
        }

        var addressLength = reply[3] switch
        {
            1 => 4,
            4 => 16,
            3 => (await channel.Reader.ReadBytesAsync(1, "SOCKS5 CONNECT", cancellationToken).ConfigureAwait(false))[0],
            _ => throw new ProxyCheckFailure("malformed SOCKS5 CONNECT reply"),
        };
        await channel.Reader.ReadBytesAsync(addressLength + 2, "SOCKS5 CONNECT", cancellationToken).ConfigureAwait(false);
        return $"SOCKS5 CONNECT OK ({method})";
    }

    /// <summary>SOCKS4 CONNECT (SOCKS4a when the judge is a host name).</summary>
    public static async Task<string> Socks4Async(ProxyChannel channel, ProxyCheckContext context, JudgeTarget target, CancellationToken cancellationToken)
    {
        var request = new List<byte> { 4, 1, (byte)(target.Port >> 8), (byte)target.Port };
        var literal = target.Address is { AddressFamily: AddressFamily.InterNetwork };
        if (target.Address is { AddressFamily: AddressFamily.InterNetworkV6 })
        {
            throw new ProxyCheckFailure("SOCKS4 cannot reach an IPv6 judge");
        }

        request.AddRange(literal ? target.Address!.GetAddressBytes() : [0, 0, 0, 1]);
        request.AddRange(Encoding.UTF8.GetBytes(context.Username ?? ""));
        request.Add(0);
        if (!literal)
        {
            request.AddRange(Encoding.ASCII.GetBytes(target.Host));
            request.Add(0);
        }

        await channel.WriteAsync(request.ToArray(), cancellationToken).ConfigureAwait(false);
        var first = await channel.Reader.PeekAsync("SOCKS4 CONNECT", cancellationToken).ConfigureAwait(false);
        if (first != 0)
        {
            throw WrongProtocol(first, "SOCKS4"); // e.g. a SOCKS5 server's short "05 FF" or an HTTP 400
        }

        var reply = await channel.Reader.ReadBytesAsync(8, "SOCKS4 CONNECT", cancellationToken).ConfigureAwait(false);
        if (reply[0] != 0 || reply[1] is < 0x5A or > 0x5D)
        {
            throw WrongProtocol(reply[0], "SOCKS4");
        }

        return reply[1] switch
        {
            0x5A => literal ? "SOCKS4 CONNECT OK" : "SOCKS4a CONNECT OK",
            0x5B => throw new ProxyCheckFailure("SOCKS4 CONNECT to the judge rejected or failed (0x5B)"),
            _ => throw new ProxyCheckFailure($"SOCKS4 CONNECT rejected: the proxy could not verify the user id (0x{reply[1]:x2})"),
        };
    }

    /// <summary>Sends CONNECT and returns the status code (after reading the head).</summary>
    public static async Task<int> HttpConnectAsync(ProxyChannel channel, ProxyCheckContext context, JudgeTarget target, CancellationToken cancellationToken)
    {
        var request = new StringBuilder()
            .Append("CONNECT ").Append(target.Authority).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(target.Authority).Append("\r\n")
            .Append("User-Agent: ").Append(UserAgent).Append("\r\n");
        AppendProxyAuthorization(request, context);
        request.Append("\r\n");
        await channel.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), cancellationToken).ConfigureAwait(false);
        await ThrowIfNotHttpAsync(channel, cancellationToken).ConfigureAwait(false);
        var head = await channel.Reader.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        return head.StatusCode;
    }

    /// <summary>Sends a GET for the judge: absolute form to an HTTP proxy (with credentials), or origin form in a tunnel or directly.</summary>
    public static ValueTask SendJudgeRequestAsync(
        ProxyChannel channel, JudgeTarget target, string token, bool absolute, ProxyCheckContext? context, CancellationToken cancellationToken)
    {
        var request = new StringBuilder()
            .Append("GET ").Append(target.RequestTarget(token, absolute)).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(target.HostHeader).Append("\r\n")
            .Append("User-Agent: ").Append(UserAgent).Append("\r\n")
            .Append("Accept: ").Append(AnonymityJudge.ContentType).Append("\r\n")
            .Append(AnonymityJudge.TokenHeaderName).Append(": ").Append(token).Append("\r\n")
            .Append("Connection: close\r\n");
        if (absolute && context is not null)
        {
            AppendProxyAuthorization(request, context);
        }

        request.Append("\r\n");
        return channel.WriteAsync(Encoding.Latin1.GetBytes(request.ToString()), cancellationToken);
    }

    /// <summary>Fails at once with "wrong protocol" when the first answer byte is a SOCKS version rather than HTTP.</summary>
    public static async ValueTask ThrowIfNotHttpAsync(ProxyChannel channel, CancellationToken cancellationToken)
    {
        var first = await channel.Reader.PeekAsync("HTTP request", cancellationToken).ConfigureAwait(false);
        if (first != (byte)'H')
        {
            throw WrongProtocol(first, "HTTP");
        }
    }

    public static string HttpRefusal(string method, int status, ProxyCheckContext context) => status switch
    {
        407 when context.Username is null => $"proxy authentication required (HTTP 407 to {method}) and no credentials are known",
        407 => $"proxy rejected the credentials (HTTP 407 to {method})",
        _ => $"proxy refused {method}: HTTP {status.ToString(CultureInfo.InvariantCulture)}",
    };

    public static string NewToken()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static void AppendProxyAuthorization(StringBuilder request, ProxyCheckContext context)
    {
        if (context.Username is not null)
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(context.Username + ":" + context.Password));
            request.Append("Proxy-Authorization: Basic ").Append(credentials).Append("\r\n");
        }
    }

    private static ProxyCheckFailure WrongProtocol(byte first, string expected)
    {
        var seen = first switch
        {
            (byte)'H' => "HTTP",
            5 => "SOCKS5",
            4 or 0 => "SOCKS4",
            _ => $"first byte 0x{first:x2}",
        };
        return new ProxyCheckFailure($"wrong protocol: expected {expected}, the proxy answered {seen}", wrongProtocol: true);
    }

    private static string Socks5Reply(byte code) => code switch
    {
        1 => "general failure",
        2 => "not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => $"reply 0x{code:x2}",
    };
}
