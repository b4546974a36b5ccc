using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Pool.Parsing;

/// <summary>The normalisation every parser shares (contract rules 1 and 2): hosts, ports, schemes.</summary>
public static class ProxyFields
{
    /// <summary>Normalises a scheme or protocol name: case-insensitive; <c>socks5h</c> → socks5, <c>socks4a</c> → socks4.</summary>
    /// <returns>Whether it names one of http, https, socks4, socks5.</returns>
    public static bool TryNormalizeScheme(ReadOnlySpan<char> scheme, out string protocol)
    {
        scheme = scheme.Trim();
        protocol = scheme.Length switch
        {
            4 when scheme.Equals("http", StringComparison.OrdinalIgnoreCase) => "http",
            5 when scheme.Equals("https", StringComparison.OrdinalIgnoreCase) => "https",
            6 when scheme.Equals("socks4", StringComparison.OrdinalIgnoreCase) => "socks4",
            6 when scheme.Equals("socks5", StringComparison.OrdinalIgnoreCase) => "socks5",
            7 when scheme.Equals("socks4a", StringComparison.OrdinalIgnoreCase) => "socks4",
            7 when scheme.Equals("socks5h", StringComparison.OrdinalIgnoreCase) => "socks5",
            _ => string.Empty,
        };
        return protocol.Length > 0;
    }

    /// <summary>
    /// Normalises an IP address to canonical text: a dotted quad with each part 0-255 (no leading-zero or short
    /// forms), or RFC 5952 IPv6 (brackets allowed around it). Host names are not proxies' addresses here.
    /// </summary>
    public static bool TryNormalizeIp(ReadOnlySpan<char> text, out string ip)
    {
        ip = string.Empty;
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
            return text.Contains(':') && TryIPv6(text, out ip);
        }

        return text.Contains(':') ? TryIPv6(text, out ip) : TryIPv4(text, out ip);
    }

    /// <summary>Parses a port: decimal digits only, 1 to 65535.</summary>
    public static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        text = text.Trim();
        port = 0;
        if (text.Length is 0 or > 5)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            port = (port * 10) + (c - '0');
        }

        return port is >= 1 and <= 65535;
    }

    private static bool TryIPv4(ReadOnlySpan<char> text, out string ip)
    {
        // Four parts of 1-3 digits, each 0-255, no leading zeros: such text is already canonical.
        ip = string.Empty;
        var parts = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var value = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - start < 3)
            {
                value = (value * 10) + (text[i] - '0');
                i++;
            }

            var length = i - start;
            if (length == 0 || value > 255 || (length > 1 && text[start] == '0'))
            {
                return false;
            }

            parts++;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != '.' || parts == 4)
            {
                return false;
            }

            i++;
            if (i == text.Length)
            {
                return false;
            }
        }

        if (parts != 4)
        {
            return false;
        }

        ip = text.ToString();
        return true;
    }

    private static bool TryIPv6(ReadOnlySpan<char> text, out string ip)
    {
        ip = string.Empty;
        if (text.Contains('%') || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        ip = address.ToString(); // RFC 5952: lowercase, zero-compressed
        return true;
    }
}
