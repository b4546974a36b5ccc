using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.PeerSync;

/// <summary>
/// Peer sync over a userspace WireGuard implementation's control socket (wireguard-go, boringtun): the cross-platform
/// UAPI text protocol on <c>&lt;socket directory&gt;/&lt;interface&gt;.sock</c>. One connection per call; an apply is
/// one <c>set=1</c> transaction however many peers it carries.
/// </summary>
public sealed class UapiPeerSync : IWireGuardPeerSync
{
    /// <summary>Where wireguard-go puts its control sockets.</summary>
    public const string DefaultSocketDirectory = "/var/run/wireguard";

    private readonly string _socketDirectory;

    /// <summary>Creates a sync over the sockets in <see cref="DefaultSocketDirectory"/>.</summary>
    public UapiPeerSync()
        : this(DefaultSocketDirectory)
    {
    }

    /// <summary>Creates a sync over the sockets in <paramref name="socketDirectory"/>.</summary>
    public UapiPeerSync(string socketDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(socketDirectory);
        _socketDirectory = socketDirectory;
    }

    /// <inheritdoc />
    public async Task ConfigureInterfaceAsync(string interfaceName, WireGuardPrivateKey privateKey, int listenPort, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        ArgumentOutOfRangeException.ThrowIfNegative(listenPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, IPEndPoint.MaxPort);

        var request = Encoding.ASCII.GetBytes(string.Create(
            CultureInfo.InvariantCulture, $"set=1\nprivate_key={privateKey.ToHex()}\nlisten_port={listenPort}\n\n"));
        try
        {
            ThrowOnError(interfaceName, await TransactAsync(interfaceName, request, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            // The request holds the secret; the key's string form is the caller's to keep or drop.
            CryptographicOperations.ZeroMemory(request);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WireGuardPeerStatus>> GetPeersAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        var response = await TransactAsync(interfaceName, "get=1\n\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        return ParseGetResponse(interfaceName, response);
    }

    /// <inheritdoc />
    public async Task<WireGuardInterfaceStatus> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        var response = await TransactAsync(interfaceName, Encoding.ASCII.GetBytes("get=1\n\n"), cancellationToken).ConfigureAwait(false);
        ThrowOnError(interfaceName, response);
        return ParseInterface(interfaceName, response);
    }

    /// <summary>The interface lines of a <c>get=1</c> response (they come before the first peer); the private key is used only to derive its public key.</summary>
    internal static WireGuardInterfaceStatus ParseInterface(string interfaceName, string response)
    {
        WireGuardPublicKey? publicKey = null;
        var port = 0;
        Span<byte> secret = stackalloc byte[32];
        foreach (var rawLine in response.AsSpan().EnumerateLines())
        {
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith("public_key="))
            {
                break; // peers follow
            }

            if (line.StartsWith("private_key="))
            {
                var hex = line["private_key=".Length..];
                if (hex.Length != 64 || Convert.FromHexString(hex, secret, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
                {
                    throw Malformed(interfaceName, "a private_key that is not 64 hex digits");
                }

                publicKey = secret.IndexOfAnyExcept((byte)0) < 0 ? null : new WireGuardPrivateKey(secret).PublicKey;
                secret.Clear();
            }
            else if (line.StartsWith("listen_port="))
            {
                port = (int)ParseInt64(interfaceName, "listen_port", line["listen_port=".Length..]);
            }
        }

        return new WireGuardInterfaceStatus(publicKey, port);
    }

    /// <inheritdoc />
    public async Task ApplyAsync(string interfaceName, IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        ArgumentNullException.ThrowIfNull(upsert);
        ArgumentNullException.ThrowIfNull(remove);

        var request = BuildSetRequest(upsert, remove);
        ThrowOnError(interfaceName, await TransactAsync(interfaceName, Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The one <c>set=1</c> transaction for an apply: upserts first, then removals (so a key in both ends up removed).</summary>
    internal static string BuildSetRequest(IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove)
    {
        var request = new StringBuilder(16 + (upsert.Count * 140) + (remove.Count * 90)).Append("set=1\n");
        foreach (var peer in upsert)
        {
            ArgumentNullException.ThrowIfNull(peer, nameof(upsert));
            request.Append("public_key=").Append(peer.PublicKey.ToHex()).Append('\n')
                .Append("replace_allowed_ips=true\n")
                .Append("allowed_ip=").Append(peer.AllowedIp.ToString()).Append('\n');
        }

        foreach (var key in remove)
        {
            request.Append("public_key=").Append(key.ToHex()).Append("\nremove=true\n");
        }

        return request.Append('\n').ToString();
    }

    /// <summary>Parses a <c>get=1</c> response; the interface's own private key in it is skipped, never kept.</summary>
    /// <exception cref="WireGuardInterfaceException">The response carries a non-zero errno or is malformed.</exception>
    internal static IReadOnlyList<WireGuardPeerStatus> ParseGetResponse(string interfaceName, string response)
    {
        var peers = new List<WireGuardPeerStatus>();
        PeerBuilder? current = null;
        long? errno = null;
        foreach (var rawLine in response.AsSpan().EnumerateLines())
        {
            var line = rawLine.TrimEnd('\r');
            if (line.IsEmpty)
            {
                continue;
            }

            var separator = line.IndexOf('=');
            if (separator <= 0)
            {
                throw Malformed(interfaceName, "a line without '='");
            }

            var key = line[..separator];
            var value = line[(separator + 1)..];
            switch (key)
            {
                case "public_key":
                    if (current is not null)
                    {
                        peers.Add(current.Build());
                    }

                    current = new PeerBuilder(ParseHexKey(interfaceName, value));
                    break;
                case "errno":
                    errno = ParseInt64(interfaceName, key, value);
                    break;
                case "endpoint" when current is not null:
                    current.Endpoint = IPEndPoint.TryParse(value, out var endpoint) ? endpoint : throw Malformed(interfaceName, $"endpoint '{value}'");
                    break;
                case "allowed_ip" when current is not null:
                    current.AllowedIps.Add(IPNetwork.TryParse(value, out var network) ? network : throw Malformed(interfaceName, $"allowed_ip '{value}'"));
                    break;
                case "last_handshake_time_sec" when current is not null:
                    current.HandshakeSeconds = ParseInt64(interfaceName, key, value);
                    break;
                case "last_handshake_time_nsec" when current is not null:
                    current.HandshakeNanoseconds = ParseInt64(interfaceName, key, value);
                    break;
                case "rx_bytes" when current is not null:
                    current.ReceivedBytes = ParseInt64(interfaceName, key, value);
                    break;
                case "tx_bytes" when current is not null:
                    current.SentBytes = ParseInt64(interfaceName, key, value);
                    break;
                default:
                    // private_key, listen_port, fwmark, preshared_key, keepalive, protocol_version: not part of the status.
                    break;
            }
        }

        if (errno is null)
        {
            throw Malformed(interfaceName, "no errno line");
        }

        if (errno != 0)
        {
            throw Refused(interfaceName, errno.Value);
        }

        if (current is not null)
        {
            peers.Add(current.Build());
        }

        return peers;
    }

    private static void ThrowOnError(string interfaceName, string response)
    {
        foreach (var line in response.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("errno="))
            {
                var errno = ParseInt64(interfaceName, "errno", line["errno=".Length..]);
                if (errno != 0)
                {
                    throw Refused(interfaceName, errno);
                }

                return;
            }
        }

        throw Malformed(interfaceName, "no errno line");
    }

    private async Task<string> TransactAsync(string interfaceName, byte[] request, CancellationToken cancellationToken)
    {
        var socketPath = Path.Combine(_socketDirectory, interfaceName + ".sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new WireGuardInterfaceException(interfaceName, ex.SocketErrorCode == SocketError.ConnectionRefused
                ? $"WireGuard interface '{interfaceName}': nothing listens on its control socket {socketPath} (a stale socket): is wireguard-go running for it?"
                : $"WireGuard interface '{interfaceName}' has no usable control socket at {socketPath} ({ex.SocketErrorCode}): is wireguard-go running for it?", ex);
        }

        try
        {
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return await ReceiveResponseAsync(socket, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new WireGuardInterfaceException(interfaceName, $"WireGuard interface '{interfaceName}': the control socket {socketPath} failed mid-request ({ex.SocketErrorCode}).", ex);
        }
    }

    /// <summary>Reads until the blank line that ends every UAPI response (the daemon keeps the connection open).</summary>
    private static async Task<string> ReceiveResponseAsync(Socket socket, CancellationToken cancellationToken)
    {
        var response = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            response.Write(buffer, 0, read);
            var bytes = response.GetBuffer().AsSpan(0, (int)response.Length);
            if (bytes.EndsWith("\n\n"u8))
            {
                break;
            }
        }

        // A get=1 response carries the interface's private key: wipe the raw bytes once decoded.
        var text = Encoding.ASCII.GetString(response.GetBuffer(), 0, (int)response.Length);
        CryptographicOperations.ZeroMemory(response.GetBuffer());
        buffer.AsSpan().Clear();
        return text;
    }

    private static WireGuardPublicKey ParseHexKey(string interfaceName, ReadOnlySpan<char> value)
    {
        try
        {
            return WireGuardPublicKey.FromHex(value.ToString());
        }
        catch (FormatException ex)
        {
            throw new WireGuardInterfaceException(interfaceName, $"WireGuard interface '{interfaceName}' answered with a malformed public key.", ex);
        }
    }

    private static long ParseInt64(string interfaceName, ReadOnlySpan<char> key, ReadOnlySpan<char> value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw Malformed(interfaceName, $"{key} '{value}'");

    private static WireGuardInterfaceException Malformed(string interfaceName, string what) =>
        new(interfaceName, $"WireGuard interface '{interfaceName}' answered a malformed UAPI response: {what}.");

    private static WireGuardInterfaceException Refused(string interfaceName, long errno) =>
        new(interfaceName, $"WireGuard interface '{interfaceName}' refused the request: errno={errno}{Describe(errno)}.");

    private static string Describe(long errno) => Math.Abs(errno) switch
    {
        1 => " (EPERM: not permitted)",
        5 => " (EIO: the daemon failed to apply it)",
        22 => " (EINVAL: a malformed key, address or setting)",
        98 => " (EADDRINUSE: the listen port is taken)",
        _ => string.Empty,
    };

    private sealed class PeerBuilder(WireGuardPublicKey publicKey)
    {
        public List<IPNetwork> AllowedIps { get; } = [];

        public IPEndPoint? Endpoint { get; set; }

        public long HandshakeSeconds { get; set; }

        public long HandshakeNanoseconds { get; set; }

        public long ReceivedBytes { get; set; }

        public long SentBytes { get; set; }

        public WireGuardPeerStatus Build() => new(
            publicKey,
            AllowedIps,
            HandshakeSeconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(HandshakeSeconds).AddTicks(HandshakeNanoseconds / 100),
            ReceivedBytes,
            SentBytes,
            Endpoint);
    }
}

/// <summary>Checks interface names before they become socket paths or <c>wg</c> arguments.</summary>
internal static class WireGuardInterfaceName
{
    /// <summary>Linux's IFNAMSIZ less the terminator.</summary>
    public const int MaxLength = 15;

    public static void Validate(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (interfaceName.Length > MaxLength || interfaceName[0] == '-' || interfaceName is "." or ".."
            || interfaceName.Any(c => c is '/' or '\\' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException(
                $"'{interfaceName}' is not an interface name (1-{MaxLength} characters, no '/', ':', whitespace or leading '-').", nameof(interfaceName));
        }
    }
}
