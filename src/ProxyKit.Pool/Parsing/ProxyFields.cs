namespace ProxyKit.Pool.Parsing;

/// <summary>The normalisation every parser shares (contract rules 1 and 2): hosts, ports, schemes.</summary>
public static class ProxyFields
{
    /// <summary>The protocols, indexed by protocol id (<see cref="TryGetProtocolId"/>); -1 stands for none.</summary>
    internal static readonly string[] ProtocolNames = ["http", "https", "socks4", "socks5"];

    /// <summary>Normalises a scheme or protocol name: case-insensitive; <c>socks5h</c> → socks5, <c>socks4a</c> → socks4.</summary>
    /// <returns>Whether it names one of http, https, socks4, socks5.</returns>
    public static bool TryNormalizeScheme(ReadOnlySpan<char> scheme, out string protocol)
    {
        protocol = TryGetProtocolId(scheme, out var id) ? ProtocolNames[id] : string.Empty;
        return id >= 0;
    }

    /// <summary><see cref="TryNormalizeScheme"/> as an index into <see cref="ProtocolNames"/> (-1 when unknown).</summary>
    internal static bool TryGetProtocolId(ReadOnlySpan<char> scheme, out int id)
    {
        scheme = scheme.Trim();
        id = scheme.Length switch
        {
            4 when scheme.Equals("http", StringComparison.OrdinalIgnoreCase) => 0,
            5 when scheme.Equals("https", StringComparison.OrdinalIgnoreCase) => 1,
            6 when scheme.Equals("socks4", StringComparison.OrdinalIgnoreCase) => 2,
            6 when scheme.Equals("socks5", StringComparison.OrdinalIgnoreCase) => 3,
            7 when scheme.Equals("socks4a", StringComparison.OrdinalIgnoreCase) => 2,
            7 when scheme.Equals("socks5h", StringComparison.OrdinalIgnoreCase) => 3,
            _ => -1,
        };
        return id >= 0;
    }

    /// <summary>
    /// Normalises an IP address to canonical text: a dotted quad with each part 0-255 (no leading-zero or short
    /// forms), or RFC 5952 IPv6 (brackets allowed around it). Host names are not proxies' addresses here.
    /// </summary>
    public static bool TryNormalizeIp(ReadOnlySpan<char> text, out string ip)
    {
        ip = TryParseIp(text, out var address) ? address.ToString() : string.Empty;
        return ip.Length > 0;
    }

    /// <summary><see cref="TryNormalizeIp"/> without the text: the address as a number.</summary>
    internal static bool TryParseIp(ReadOnlySpan<char> text, out ProxyAddress address)
    {
        address = default;
        text = text.Trim();
        if (text.Length >= 2 && text[0] == '[' && text[^1] == ']')
        {
            text = text[1..^1];
            return text.Contains(':') && ProxyAddress.TryParseIPv6(text, out address);
        }

        if (text.Contains(':'))
        {
            return ProxyAddress.TryParseIPv6(text, out address);
        }

        if (!ProxyAddress.TryParseIPv4(text, out var ipv4))
        {
            return false;
        }

        address = new ProxyAddress(ProxyAddressKind.IPv4, ipv4);
        return true;
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
}
