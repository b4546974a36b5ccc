using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.WireGuard.Keys;
using QRCoder;

namespace ProxyKit.WireGuard.Config;

/// <summary>
/// A client's <c>wg-quick</c> configuration: one interface and the server as its single peer. Carries the client's
/// private key, so <see cref="ToString"/> is redacted and only <see cref="Render"/> and the QR codes reveal it.
/// </summary>
/// <param name="PrivateKey">The client's private key.</param>
/// <param name="Address">The client's tunnel address.</param>
/// <param name="PrefixLength">The prefix length of <paramref name="Address"/> (0-32 for IPv4, 0-128 for IPv6).</param>
/// <param name="Dns">DNS servers for the tunnel; empty writes no <c>DNS</c> line.</param>
/// <param name="ServerPublicKey">The server's public key.</param>
/// <param name="EndpointHost">The server's host name or IP literal (IPv6 is written in brackets).</param>
/// <param name="EndpointPort">The server's UDP port (1-65535).</param>
/// <param name="AllowedIps">The networks routed through the tunnel; at least one.</param>
/// <param name="PersistentKeepaliveSeconds">Keepalive interval in seconds (0-65535); 0 writes no <c>PersistentKeepalive</c> line.</param>
public sealed record WireGuardClientConfig(
    WireGuardPrivateKey PrivateKey,
    IPAddress Address,
    int PrefixLength,
    IReadOnlyList<IPAddress> Dns,
    WireGuardPublicKey ServerPublicKey,
    string EndpointHost,
    int EndpointPort,
    IReadOnlyList<IPNetwork> AllowedIps,
    int PersistentKeepaliveSeconds)
{
    private const int MaxPixelsPerModule = 64;

    /// <summary>Renders the configuration as <c>wg-quick</c> text, <c>\n</c> line endings and a trailing newline.</summary>
    /// <exception cref="ArgumentException">A value is out of range or would not survive the round trip through the file.</exception>
    public string Render()
    {
        // Validated here rather than in the constructor so `with` copies are checked too.
        var endpoint = Validate();

        var text = new StringBuilder(256)
            .Append("[Interface]\n")
            .Append("PrivateKey = ").Append(PrivateKey.ToBase64()).Append('\n')
            .Append("Address = ").Append(Address).Append('/').Append(PrefixLength.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (Dns.Count > 0)
        {
            text.Append("DNS = ").AppendJoin(", ", Dns).Append('\n');
        }

        text.Append('\n')
            .Append("[Peer]\n")
            .Append("PublicKey = ").Append(ServerPublicKey.ToBase64()).Append('\n')
            .Append("Endpoint = ").Append(endpoint).Append(':').Append(EndpointPort.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("AllowedIPs = ").AppendJoin(", ", AllowedIps).Append('\n');
        if (PersistentKeepaliveSeconds > 0)
        {
            text.Append("PersistentKeepalive = ").Append(PersistentKeepaliveSeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Renders the configuration as a PNG QR code (error correction level M), as the WireGuard mobile apps scan it.</summary>
    /// <param name="pixelsPerModule">Pixels per QR module (1-64).</param>
    /// <exception cref="ArgumentException">The configuration is invalid (see <see cref="Render"/>) or <paramref name="pixelsPerModule"/> is out of range.</exception>
    public byte[] ToQrPng(int pixelsPerModule = 6)
    {
        CheckPixelsPerModule(pixelsPerModule);
        using var data = CreateQrData();
        using var png = new PngByteQRCode(data);
        return png.GetGraphic(pixelsPerModule);
    }

    /// <summary>Renders the configuration as an SVG QR code (error correction level M).</summary>
    /// <param name="pixelsPerModule">Pixels per QR module (1-64).</param>
    /// <exception cref="ArgumentException">The configuration is invalid (see <see cref="Render"/>) or <paramref name="pixelsPerModule"/> is out of range.</exception>
    public string ToQrSvg(int pixelsPerModule = 6)
    {
        CheckPixelsPerModule(pixelsPerModule);
        using var data = CreateQrData();
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(pixelsPerModule);
    }

    /// <summary>Redacted: shows the address and endpoint only, never the private key.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"WireGuardClientConfig {{ Address = {Address}/{PrefixLength}, Endpoint = {EndpointHost}:{EndpointPort} }}");

    private QRCodeData CreateQrData()
    {
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(Render(), QRCodeGenerator.ECCLevel.M);
    }

    // Bounded so a caller's typo cannot allocate a multi-gigabyte bitmap.
    private static void CheckPixelsPerModule(int pixelsPerModule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelsPerModule, MaxPixelsPerModule);
    }

    /// <summary>Checks every value and returns the endpoint host as it is written (IPv6 in brackets).</summary>
    private string Validate()
    {
        if (PrivateKey == default)
        {
            throw new ArgumentException("The private key is unset (all zero).", nameof(PrivateKey));
        }

        if (ServerPublicKey == default)
        {
            throw new ArgumentException("The server public key is unset (all zero).", nameof(ServerPublicKey));
        }

        if (Address is null || Address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("The address must be an IPv4 or IPv6 address.", nameof(Address));
        }

        var maxPrefix = Address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (PrefixLength < 0 || PrefixLength > maxPrefix)
        {
            throw new ArgumentException($"The prefix length must be 0-{maxPrefix} for {Address}.", nameof(PrefixLength));
        }

        if (Dns is null || Dns.Any(d => d is null))
        {
            throw new ArgumentException("The DNS list must not be null or hold null entries.", nameof(Dns));
        }

        if (EndpointPort is < 1 or > 65535)
        {
            throw new ArgumentException("The endpoint port must be 1-65535.", nameof(EndpointPort));
        }

        if (AllowedIps is null || AllowedIps.Count == 0)
        {
            throw new ArgumentException("At least one allowed network is required.", nameof(AllowedIps));
        }

        if (PersistentKeepaliveSeconds is < 0 or > 65535)
        {
            throw new ArgumentException("The persistent keepalive must be 0-65535 seconds.", nameof(PersistentKeepaliveSeconds));
        }

        return FormatEndpointHost();
    }

    private string FormatEndpointHost()
    {
        // Only a plain name or IP literal is accepted: spaces, newlines or '=' could inject lines into the file.
        var host = EndpointHost;
        var bare = host is ['[', .., ']'] ? host[1..^1] : host;
        if (!string.IsNullOrEmpty(bare) && IPAddress.TryParse(bare, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return $"[{ip}]";
        }

        if (host is not null && Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4)
        {
            return host;
        }

        throw new ArgumentException("The endpoint host must be a host name or an IP address.", nameof(EndpointHost));
    }
}
