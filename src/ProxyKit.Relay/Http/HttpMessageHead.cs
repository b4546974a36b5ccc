using System.Text;

namespace ProxyKit.Relay.Http;

/// <summary>A parsed HTTP/1.x message head (request line or status line, and headers), independent of any transport.</summary>
internal sealed class HttpMessageHead
{
    private const int MaxHeaders = 128;

    private HttpMessageHead(string first, string second, string third, List<KeyValuePair<string, string>> headers)
    {
        First = first;
        Second = second;
        Third = third;
        Headers = headers;
    }

    /// <summary>Request: method. Response: version.</summary>
    public string First { get; }

    /// <summary>Request: target. Response: status code.</summary>
    public string Second { get; }

    /// <summary>Request: version. Response: reason phrase.</summary>
    public string Third { get; }

    public List<KeyValuePair<string, string>> Headers { get; }

    /// <summary>Finds the end of a head (the blank line); returns the length including it, or -1.</summary>
    public static int FindEnd(ReadOnlySpan<byte> data)
    {
        var crlf = data.IndexOf("\r\n\r\n"u8);
        var lf = data.IndexOf("\n\n"u8);
        return (crlf, lf) switch
        {
            (< 0, < 0) => -1,
            (>= 0, < 0) => crlf + 4,
            (< 0, >= 0) => lf + 2,
            _ => Math.Min(crlf + 4, lf + 2),
        };
    }

    /// <summary>Parses a request head: <c>METHOD SP target SP HTTP/1.x</c> then headers. Returns null when malformed.</summary>
    public static HttpMessageHead? ParseRequest(ReadOnlySpan<byte> head)
    {
        var parsed = Parse(head);
        if (parsed is null
            || parsed.First.Length == 0 || !parsed.First.All(IsTokenChar)
            || parsed.Second.Length == 0
            || parsed.Third is not ("HTTP/1.1" or "HTTP/1.0"))
        {
            return null;
        }

        return parsed;
    }

    /// <summary>Parses a response head: <c>HTTP/1.x SP 3DIGIT SP reason</c> then headers. Returns null when malformed.</summary>
    public static HttpMessageHead? ParseResponse(ReadOnlySpan<byte> head)
    {
        var parsed = Parse(head, allowSpacesInThird: true);
        if (parsed is null || !parsed.First.StartsWith("HTTP/1.", StringComparison.Ordinal)
            || parsed.Second.Length != 3 || !parsed.Second.All(char.IsAsciiDigit))
        {
            return null;
        }

        return parsed;
    }

    public int StatusCode => int.Parse(Second, System.Globalization.CultureInfo.InvariantCulture);

    public string? Get(string name)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    public bool HasToken(string name, string token)
    {
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)
                && value.Split(',', StringSplitOptions.TrimEntries).Contains(token, StringComparer.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the head with <paramref name="firstLine"/> and every header except those <paramref name="skip"/> rejects, then <paramref name="extra"/>.</summary>
    public byte[] Serialize(string firstLine, Func<string, bool> skip, params (string Name, string Value)[] extra)
    {
        var builder = new StringBuilder(firstLine.Length + 64 * Headers.Count);
        builder.Append(firstLine).Append("\r\n");
        foreach (var (name, value) in Headers)
        {
            if (!skip(name))
            {
                builder.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        foreach (var (name, value) in extra)
        {
            builder.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        builder.Append("\r\n");
        return Encoding.Latin1.GetBytes(builder.ToString());
    }

    private static HttpMessageHead? Parse(ReadOnlySpan<byte> head, bool allowSpacesInThird = false)
    {
        // Latin-1 maps every byte to one char, so nothing is lost and nothing throws.
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split('\n');
        var requestLine = lines[0].TrimEnd('\r');
        var parts = requestLine.Split(' ', allowSpacesInThird ? 3 : 4);
        if (parts.Length != 3 && !(allowSpacesInThird && parts.Length == 2))
        {
            return null;
        }

        var headers = new List<KeyValuePair<string, string>>();
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t' || headers.Count >= MaxHeaders)
            {
                return null; // no name, obsolete line folding, or a header flood
            }

            var name = line[..colon];
            if (!name.All(IsTokenChar))
            {
                return null;
            }

            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(static c => c is '\0' or '\r'))
            {
                return null;
            }

            headers.Add(KeyValuePair.Create(name, value));
        }

        return new HttpMessageHead(parts[0], parts[1], parts.Length == 3 ? parts[2] : string.Empty, headers);
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
