namespace ProxyKit.Pool.Fetching;

/// <summary>Shows a source URL without its secrets: user information and query values are dropped.</summary>
internal static class UrlRedaction
{
    /// <summary>
    /// Returns <c>scheme://host[:port]/path</c> (escaped, so nothing in it can break a log line), with <c>?…</c> in place
    /// of a query when there is one; user information (<c>user:pass@</c>) and the fragment are dropped. A relative URL,
    /// which no source may have, is shown as <c>(relative URL)</c>.
    /// </summary>
    public static string ForDisplay(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            return "(relative URL)";
        }

        var shown = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

        // Schemes without a query component (ftp, file, unknown ones) keep a '?' in the path, escaped as %3F.
        var inPath = shown.IndexOf("%3F", StringComparison.OrdinalIgnoreCase);
        if (inPath >= 0)
        {
            return string.Concat(shown.AsSpan(0, inPath), "?…");
        }

        return url.Query.Length > 1 ? shown + "?…" : shown;
    }
}
