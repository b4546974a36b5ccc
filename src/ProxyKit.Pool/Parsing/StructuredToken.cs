namespace ProxyKit.Pool.Parsing;

/// <summary>
/// One proxy written as a single token, the whole text (contract rule 3 for one token): the plain-text parser's own
/// grammar, so string elements and combined <c>proxy</c> fields read exactly as list lines do.
/// </summary>
internal readonly record struct StructuredToken(string Ip, int Port, string? Protocol, string? Username, string? Password)
{
    /// <summary>Parses <paramref name="text"/> (trimmed) as exactly one token; an unknown explicit scheme fails.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out StructuredToken token)
    {
        token = default;
        if (!PlainTextProxyParser.TryParseWholeToken(text, out var proxy))
        {
            return false;
        }

        token = new StructuredToken(proxy.Ip, proxy.Port, proxy.Protocol, proxy.Username, proxy.Password);
        return true;
    }
}
