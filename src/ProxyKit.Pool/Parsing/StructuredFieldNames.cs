using System.Buffers;

namespace ProxyKit.Pool.Parsing;

/// <summary>What a named field, column or header cell of a structured record holds.</summary>
internal enum StructuredField
{
    /// <summary>Metadata: never read for addresses.</summary>
    None,

    /// <summary>The IP address (<c>ip</c>, <c>ip address</c>, <c>host</c>).</summary>
    Ip,

    /// <summary>The port, a number or a string.</summary>
    Port,

    /// <summary>One protocol, a list (<c>SOCKS4, SOCKS5</c>) or an array of them.</summary>
    Protocol,

    /// <summary>The username.</summary>
    Username,

    /// <summary>The password.</summary>
    Password,

    /// <summary>A whole proxy as one token (<c>ip:port</c>, <c>socks5://u:p@ip:port</c>): used only when the record has no IP field.</summary>
    Proxy,

    /// <summary>The country the source states (<c>country</c>, <c>country code</c>); kept only as an ISO 3166-1 alpha-2 code.</summary>
    Country,
}

/// <summary>
/// Maps field names (JSON keys, CSV headers, HTML header cells) to <see cref="StructuredField"/>s. Names compare
/// case-insensitively with everything but letters and digits removed (<c>IP Address</c> = <c>ip_address</c> = <c>ipaddress</c>).
/// A lower rank wins when a record has two fields of one kind (<c>protocol</c> over <c>type</c>, <c>ip</c> over <c>host</c>).
/// </summary>
internal static class StructuredFieldNames
{
    /// <summary>Whitespace no token may contain.</summary>
    public static readonly SearchValues<char> WhitespaceChars = SearchValues.Create(" \t\r\n\f\v\u00A0");

    private const int MaxNameLength = 32;

    /// <summary>Classifies a field name.</summary>
    /// <param name="name">The name as written.</param>
    /// <param name="allowAddress">Whether a bare <c>address</c> names a combined proxy field (CSV and HTML; not JSON, where it is metadata).</param>
    /// <param name="rank">0 for the preferred name of a kind, higher for fallbacks.</param>
    public static StructuredField Classify(ReadOnlySpan<char> name, bool allowAddress, out int rank)
    {
        rank = 0;
        Span<char> key = stackalloc char[MaxNameLength];
        var length = 0;
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                if (length == MaxNameLength)
                {
                    return StructuredField.None;
                }

                key[length++] = char.ToLowerInvariant(c);
            }
        }

        switch (key[..length])
        {
            case "ip" or "ipaddress" or "ipaddr":
                return StructuredField.Ip;
            case "host":
                rank = 1;
                return StructuredField.Ip;
            case "port":
                return StructuredField.Port;
            case "protocol" or "protocols" or "proxytype" or "proxyprotocol":
                return StructuredField.Protocol;
            case "type" or "types":
                rank = 1; // "type" is sometimes the anonymity level: an explicit protocol column wins
                return StructuredField.Protocol;
            case "username":
                return StructuredField.Username;
            case "user" or "login":
                rank = 1;
                return StructuredField.Username;
            case "password":
                return StructuredField.Password;
            case "pass":
                rank = 1;
                return StructuredField.Password;
            case "proxy" or "ipport":
                return StructuredField.Proxy;
            case "countrycode" or "countryiso" or "isocode":
                return StructuredField.Country;
            case "country" or "cc":
                rank = 1;
                return StructuredField.Country;
            case "address" when allowAddress:
                rank = 1;
                return StructuredField.Proxy;
            default:
                return StructuredField.None;
        }
    }

    /// <summary>Whether <paramref name="fields"/> can yield proxies: an IP and a port, or a combined proxy field.</summary>
    public static bool CanYieldProxies(IEnumerable<StructuredField> fields)
    {
        bool ip = false, port = false;
        foreach (var field in fields)
        {
            switch (field)
            {
                case StructuredField.Proxy:
                    return true;
                case StructuredField.Ip:
                    ip = true;
                    break;
                case StructuredField.Port:
                    port = true;
                    break;
            }
        }

        return ip && port;
    }
}
