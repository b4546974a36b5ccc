using System.Buffers;
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
    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\f\v");
    private static readonly SearchValues<char> UserinfoDelimiters = SearchValues.Create("=,;\"'()<>{}|");

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

        // Lines are cut out of one pooled char buffer instead of being read as strings: a line costs no allocation, and the
        // buffer grows only for a line longer than itself (a whole line is held, as ReadLine would hold it).
        using var reader = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var buffer = ArrayPool<char>.Shared.Rent(64 * 1024);
        try
        {
            int start = 0, scanned = 0, end = 0; // buffer[start..end) is unparsed; buffer[start..scanned) holds no line break
            while (true)
            {
                if (end == buffer.Length)
                {
                    // Slide the unparsed tail to the front, or grow when it fills more than half the buffer (one long line).
                    var target = end - start <= buffer.Length / 2 ? buffer : ArrayPool<char>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(start, end - start).CopyTo(target);
                    if (target != buffer)
                    {
                        ArrayPool<char>.Shared.Return(buffer);
                        buffer = target;
                    }

                    (scanned, end, start) = (scanned - start, end - start, 0);
                }

                var read = await reader.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                end += read;

                // "\r\n" yields an empty line between the two, and empty lines are ignored: CR, LF and CRLF need no special case.
                int brk;
                while ((brk = buffer.AsSpan(scanned, end - scanned).IndexOfAny('\r', '\n')) >= 0)
                {
                    ParseLineCore(buffer.AsSpan(start, scanned + brk - start), context);
                    start = scanned = scanned + brk + 1;
                }

                scanned = end;
            }

            ParseLineCore(buffer.AsSpan(start, end - start), context);
        }
        finally
        {
            context.Flush(); // even when reading fails: what was found is complete before anyone reads the context
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses one line (exposed for callers that already hold lines).</summary>
    public static void ParseLine(ReadOnlySpan<char> line, ProxyParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ParseLineCore(line, context);
        context.Flush();
    }

    private static void ParseLineCore(ReadOnlySpan<char> line, ProxyParseContext context)
    {
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
                if (TryToken(word, j, out _, out var end, out var token, out var recognised))
                {
                    context.Add(token);
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

                proxy = found.ToParsedProxy();
                return true;
            }
        }

        return false;
    }

    private static bool TryToken(ReadOnlySpan<char> word, int hostStart, out int tokenStart, out int end, out ProxyToken token, out bool recognised)
    {
        token = default;
        recognised = false;
        end = hostStart;
        tokenStart = hostStart;
        if (!TryHostPort(word, hostStart, out var address, out var port, out var portEnd))
        {
            return false;
        }

        // What precedes the host: "user:pass@", "scheme://", both, or nothing.
        ReadOnlySpan<char> username = [], password = [];
        var escaped = false;
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

            escaped = schemeMark >= 0; // percent-decoded when the context keeps it, without a string per token
            username = userinfo[..colon];
            password = userinfo[(colon + 1)..];
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
        if (!hasScheme && username.IsEmpty && hostStart == 0 && portEnd < word.Length && word[portEnd] == ':')
        {
            var tail = word[(portEnd + 1)..];
            var colon = tail.IndexOf(':');
            if (colon > 0 && colon < tail.Length - 1 && tail[(colon + 1)..].IndexOf(':') < 0)
            {
                username = tail[..colon];
                password = tail[(colon + 1)..];
                end = word.Length;
            }
        }

        var protocol = -1;
        if (hasScheme && !ProxyFields.TryGetProtocolId(scheme, out protocol))
        {
            recognised = true; // an explicit unknown scheme rejects the entry; it never falls back to "no protocol"
            return false;
        }

        token = new ProxyToken(address, port, protocol, username, password, escaped);
        return true;
    }

    private static bool TryHostPort(ReadOnlySpan<char> word, int start, out ProxyAddress address, out int port, out int end)
    {
        address = default;
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

        if (hostEnd >= word.Length || word[hostEnd] != ':' || !ProxyFields.TryParseIp(word[start..hostEnd], out address))
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
