using System.Text;

namespace ProxyKit.Pool.Parsing;

/// <summary>
/// Plain-text proxy lists (contract rule 3), read line by line: every <c>[scheme://][user:pass@]host:port</c> token in a
/// line, or <c>host:port:user:pass</c> when those four fields are the whole word; IPv4 as a dotted quad, IPv6 only in
/// brackets; tokens bounded so that <c>192.0.2.32:70000</c> or <c>999.1.1.1:80</c> never yield a shorter match.
/// Comment lines (<c>#</c>) and blank lines are skipped; any other line without a proxy counts as one rejected record.
/// </summary>
public sealed class PlainTextProxyParser : IProxySourceParser
{
    private static readonly System.Buffers.SearchValues<char> Whitespace = System.Buffers.SearchValues.Create(" \t\f\v");
    private static readonly System.Buffers.SearchValues<char> UserinfoDelimiters = System.Buffers.SearchValues.Create("=,;\"'()<>{}|");

    /// <summary>The parser's name.</summary>
    public const string ParserName = "plaintext";

    /// <inheritdoc />
    public string Name => ParserName;

    /// <inheritdoc />
    /// <remarks>The fallback: it supports anything that is not declared or shaped as JSON, CSV or HTML.</remarks>
    public bool Supports(ProxyDocumentProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var text = probe.Text;
        // "[" starts both JSON arrays and bracketed IPv6 ("[2001:db8::1]:8080"): only the former is not ours.
        var jsonArray = text.StartsWith('[') && text.Length > 1 && text[1..].TrimStart() is var inner && (inner.Length == 0 || inner[0] is '{' or '"' or ']');
        return !(probe.Declares("json") || probe.Declares("html") || text.StartsWith('{') || jsonArray || text.StartsWith('<'));
    }

    /// <inheritdoc />
    public async ValueTask ParseAsync(Stream content, ProxyParseContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);
        using var reader = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            ParseLine(line, context);
        }
    }

    /// <summary>Parses one line (exposed for callers that already hold lines).</summary>
    public static void ParseLine(ReadOnlySpan<char> line, ProxyParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        line = line.Trim();
        if (line.IsEmpty || line[0] == '#')
        {
            return;
        }

        if (line[0] == '\uFEFF')
        {
            line = line[1..].TrimStart();
            if (line.IsEmpty || line[0] == '#')
            {
                return;
            }
        }

        var found = false;
        var rest = line;
        while (!rest.IsEmpty)
        {
            var wordStart = rest.IndexOfAnyExcept(Whitespace);
            if (wordStart < 0)
            {
                break;
            }

            rest = rest[wordStart..];
            var wordLength = rest.IndexOfAny(Whitespace);
            var word = wordLength < 0 ? rest : rest[..wordLength];
            found |= ParseWord(word, context);
            rest = wordLength < 0 ? [] : rest[wordLength..];
        }

        if (!found)
        {
            context.Reject();
        }
    }

    // Finds every token in one whitespace-delimited word; returns whether any yielded a proxy.
    private static bool ParseWord(ReadOnlySpan<char> word, ProxyParseContext context)
    {
        var found = false;
        var j = 0;
        while (j < word.Length)
        {
            var c = word[j];
            if (c == '[' || (char.IsAsciiDigit(c) && (j == 0 || !IsBoundaryBlocker(word[j - 1]))))
            {
                if (TryToken(word, j, out _, out var end, out var proxy, out var recognised))
                {
                    context.Add(proxy!);
                    found = true;
                    j = end;
                    continue;
                }

                if (recognised)
                {
                    j = end; // a whole entry with an unknown scheme: rejected, not re-read as a shorter token
                    continue;
                }
            }

            j++;
        }

        return found;
    }

    // Parses the token whose host starts at hostStart; recognised-but-rejected entries (unknown scheme) return true with a null proxy.
    /// <summary>
    /// Parses <paramref name="text"/> (trimmed, one trailing '/' allowed) as exactly one token of the plain-text grammar:
    /// the structured parsers use it for string elements and combined <c>proxy</c> fields, so all formats share one grammar.
    /// </summary>
    internal static bool TryParseWholeToken(ReadOnlySpan<char> text, out ParsedProxy proxy)
    {
        proxy = null!;
        text = text.Trim();
        if (text.EndsWith('/'))
        {
            text = text[..^1];
        }

        if (text.IsEmpty || text.ContainsAny(Whitespace))
        {
            return false;
        }

        for (var j = 0; j < text.Length; j++)
        {
            if ((text[j] == '[' || (char.IsAsciiDigit(text[j]) && (j == 0 || !IsBoundaryBlocker(text[j - 1]))))
                && TryToken(text, j, out var start, out var end, out var found, out _))
            {
                if (start != 0 || end != text.Length)
                {
                    return false;
                }

                proxy = found!;
                return true;
            }
        }

        return false;
    }

    private static bool TryToken(ReadOnlySpan<char> word, int hostStart, out int tokenStart, out int end, out ParsedProxy? proxy, out bool recognised)
    {
        proxy = null;
        recognised = false;
        end = hostStart;
        tokenStart = hostStart;
        if (!TryHostPort(word, hostStart, out var ip, out var port, out var portEnd))
        {
            return false;
        }

        // What precedes the host: "user:pass@", "scheme://", both, or nothing.
        string? username = null, password = null;
        var scheme = ReadOnlySpan<char>.Empty;
        var hasScheme = false;
        var before = word[..hostStart];
        if (before.EndsWith('@'))
        {
            var userinfoEnd = hostStart - 1;
            var schemeMark = before[..userinfoEnd].LastIndexOf("://", StringComparison.Ordinal);
            var userinfoStart = schemeMark >= 0 ? schemeMark + 3 : before[..userinfoEnd].LastIndexOfAny(UserinfoDelimiters) + 1;
            var userinfo = word[userinfoStart..userinfoEnd];
            var colon = userinfo.IndexOf(':');
            if (colon <= 0 || colon == userinfo.Length - 1)
            {
                return false; // "user@host" or "user:@host" is not a credential pair
            }

            var decode = schemeMark >= 0;
            username = decode ? Uri.UnescapeDataString(userinfo[..colon].ToString()) : userinfo[..colon].ToString();
            password = decode ? Uri.UnescapeDataString(userinfo[(colon + 1)..].ToString()) : userinfo[(colon + 1)..].ToString();
            tokenStart = userinfoStart;
            before = word[..userinfoStart];
        }

        if (before.EndsWith("://", StringComparison.Ordinal))
        {
            var schemeEnd = before.Length - 3;
            var schemeStart = schemeEnd;
            while (schemeStart > 0 && char.IsAsciiLetterOrDigit(word[schemeStart - 1]))
            {
                schemeStart--;
            }

            if (schemeStart == schemeEnd)
            {
                return false;
            }

            scheme = word[schemeStart..schemeEnd];
            hasScheme = true;
            tokenStart = schemeStart;
        }

        // Token boundaries: nothing glued on before (letter, digit, '.') or after (letter, digit).
        if ((tokenStart > 0 && IsBoundaryBlocker(word[tokenStart - 1])) || (portEnd < word.Length && char.IsLetterOrDigit(word[portEnd])))
        {
            return false;
        }

        end = portEnd;

        // host:port:user:pass — only when those four fields are the whole word.
        if (!hasScheme && username is null && hostStart == 0 && portEnd < word.Length && word[portEnd] == ':')
        {
            var tail = word[(portEnd + 1)..];
            var colon = tail.IndexOf(':');
            if (colon > 0 && colon < tail.Length - 1 && tail[(colon + 1)..].IndexOf(':') < 0)
            {
                username = tail[..colon].ToString();
                password = tail[(colon + 1)..].ToString();
                end = word.Length;
            }
        }

        string? protocol = null;
        if (hasScheme && !ProxyFields.TryNormalizeScheme(scheme, out protocol))
        {
            recognised = true; // an explicit unknown scheme rejects the entry; it never falls back to "no protocol"
            return false;
        }

        proxy = new ParsedProxy(ip, port, protocol, username, password);
        return true;
    }

    private static bool TryHostPort(ReadOnlySpan<char> word, int start, out string ip, out int port, out int end)
    {
        ip = string.Empty;
        port = 0;
        end = start;
        int hostEnd;
        if (word[start] == '[')
        {
            var close = word[start..].IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            hostEnd = start + close + 1;
        }
        else
        {
            hostEnd = start;
            while (hostEnd < word.Length && (char.IsAsciiDigit(word[hostEnd]) || word[hostEnd] == '.'))
            {
                hostEnd++;
            }
        }

        if (hostEnd >= word.Length || word[hostEnd] != ':' || !ProxyFields.TryNormalizeIp(word[start..hostEnd], out ip))
        {
            return false;
        }

        var portStart = hostEnd + 1;
        var portEnd = portStart;
        while (portEnd < word.Length && char.IsAsciiDigit(word[portEnd]))
        {
            portEnd++;
        }

        if (!ProxyFields.TryParsePort(word[portStart..portEnd], out port))
        {
            return false;
        }

        end = portEnd;
        return true;
    }

    private static bool IsBoundaryBlocker(char c) => char.IsLetterOrDigit(c) || c == '.';
}
