using System.Globalization;

namespace ProxyKit.Relay.Http;

/// <summary>How a message body is delimited (RFC 9112 §6).</summary>
internal enum Framing
{
    None,
    Length,
    Chunked,
    UntilClose,
}

/// <summary>
/// Decides body framing strictly, because a relay and an origin that disagree on where a body ends are a request
/// smuggling vector: conflicting, malformed or combined <c>Content-Length</c>/<c>Transfer-Encoding</c> are refused.
/// </summary>
internal static class HttpBodyFraming
{
    /// <summary>Request framing; false (answer 400) for a malformed or ambiguous request.</summary>
    public static bool TryGetRequestFraming(HttpMessageHead request, out Framing framing, out long length)
    {
        length = 0;
        framing = Framing.None;
        var codings = Codings(request);
        var hasLength = request.Get("Content-Length") is not null;
        if (codings.Count > 0)
        {
            // Chunked must be the final coding of a request, and must not be combined with Content-Length.
            if (hasLength || !string.Equals(codings[^1], "chunked", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            framing = Framing.Chunked;
            return true;
        }

        if (!hasLength)
        {
            return true;
        }

        if (!TryGetLength(request, out length))
        {
            return false;
        }

        framing = Framing.Length;
        return true;
    }

    /// <summary>Response framing; false (answer 502) for a malformed length.</summary>
    public static bool TryGetResponseFraming(HttpMessageHead response, bool requestWasHead, out Framing framing, out long length)
    {
        length = 0;
        var code = response.StatusCode;
        if (requestWasHead || code is (>= 100 and < 200) or 204 or 304)
        {
            framing = Framing.None;
            return true;
        }

        var codings = Codings(response);
        if (codings.Count > 0)
        {
            // Transfer-Encoding overrides Content-Length (which is then dropped when forwarding).
            framing = string.Equals(codings[^1], "chunked", StringComparison.OrdinalIgnoreCase) ? Framing.Chunked : Framing.UntilClose;
            return true;
        }

        if (response.Get("Content-Length") is null)
        {
            framing = Framing.UntilClose;
            return true;
        }

        framing = Framing.Length;
        return TryGetLength(response, out length);
    }

    // Every Content-Length value (repeated headers or a comma list) must be the same non-negative integer.
    private static bool TryGetLength(HttpMessageHead head, out long length)
    {
        length = -1;
        foreach (var (name, value) in head.Headers)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.Length is 0 or > 18 || !part.All(char.IsAsciiDigit)
                    || !long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                    || (length >= 0 && parsed != length))
                {
                    return false;
                }

                length = parsed;
            }
        }

        return length >= 0;
    }

    private static List<string> Codings(HttpMessageHead head)
    {
        var codings = new List<string>();
        foreach (var (name, value) in head.Headers)
        {
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                codings.AddRange(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return codings;
    }
}
