namespace ProxyKit.Pool.Parsing;

/// <summary>
/// One proxy written as a single token, the whole text (contract rule 3 for one token):
/// <c>[scheme://][user:pass@]host:port</c>, or <c>host:port:user:pass</c>; IPv6 only in brackets. Used for JSON string
/// elements and combined <c>proxy</c> fields/columns in the structured parsers.
/// </summary>
internal readonly record struct StructuredToken(string Ip, int Port, string? Protocol, string? Username, string? Password)
{
    /// <summary>Parses <paramref name="text"/> (trimmed) as exactly one token; an unknown explicit scheme fails.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out StructuredToken token)
    {
        token = default;
        text = text.Trim();
        if (text.IsEmpty || text.ContainsAny(StructuredFieldNames.WhitespaceChars))
        {
            return false;
        }

        string? protocol = null;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            if (!ProxyFields.TryNormalizeScheme(text[..schemeEnd], out var normalized))
            {
                return false; // ftp://, sock5://: rejected, never a null protocol (rule 2)
            }

            protocol = normalized;
            text = text[(schemeEnd + 3)..];
            if (text.EndsWith('/'))
            {
                text = text[..^1];
            }
        }

        string? username = null, password = null;
        var at = text.LastIndexOf('@');
        if (at >= 0)
        {
            var userinfo = text[..at];
            var colon = userinfo.IndexOf(':');
            if (colon <= 0 || colon == userinfo.Length - 1)
            {
                return false; // user:pass@ needs both
            }

            // Userinfo inside a scheme URL is percent-decoded; colon-form credentials are verbatim.
            username = protocol is null ? userinfo[..colon].ToString() : Uri.UnescapeDataString(userinfo[..colon].ToString());
            password = protocol is null ? userinfo[(colon + 1)..].ToString() : Uri.UnescapeDataString(userinfo[(colon + 1)..].ToString());
            text = text[(at + 1)..];
        }

        int hostEnd;
        if (text.StartsWith('['))
        {
            hostEnd = text.IndexOf(']') + 1;
            if (hostEnd == 0)
            {
                return false;
            }
        }
        else
        {
            hostEnd = text.IndexOf(':'); // unbracketed IPv6 leaves "2001" as the host: rejected
            if (hostEnd < 0)
            {
                return false;
            }
        }

        if (hostEnd >= text.Length || text[hostEnd] != ':' || !ProxyFields.TryNormalizeIp(text[..hostEnd], out var ip))
        {
            return false;
        }

        var rest = text[(hostEnd + 1)..];
        Span<Range> parts = stackalloc Range[4];
        var count = rest.Split(parts, ':');
        if (!ProxyFields.TryParsePort(rest[parts[0]], out var port))
        {
            return false;
        }

        if (count == 3 && protocol is null && username is null && rest[parts[1]].Length > 0 && rest[parts[2]].Length > 0)
        {
            username = rest[parts[1]].ToString(); // host:port:user:pass, taken verbatim
            password = rest[parts[2]].ToString();
        }
        else if (count != 1)
        {
            return false;
        }

        token = new StructuredToken(ip, port, protocol, username, password);
        return true;
    }
}
