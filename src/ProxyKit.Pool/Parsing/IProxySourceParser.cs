namespace ProxyKit.Pool.Parsing;

/// <summary>
/// A source parser plugin: turns one downloaded document (a proxy list) into proxies, reporting each proxy, rejected
/// record and duplicate on the <see cref="ProxyParseContext"/> — never throwing for bad records. Built-in parsers
/// follow the source parser contract (PARSER-CONTRACT.md); register more with <c>AddParser&lt;T&gt;()</c>.
/// </summary>
public interface IProxySourceParser
{
    /// <summary>Gets the unique name sources refer to (<c>parser_name</c>), e.g. <c>plaintext</c>.</summary>
    string Name { get; }

    /// <summary>Gets whether this parser recognises the document (auto-detection when a source names no parser).</summary>
    bool Supports(ProxyDocumentProbe probe);

    /// <summary>Reads the whole document from <paramref name="content"/> (streaming: never as one string) and reports what it finds.</summary>
    ValueTask ParseAsync(Stream content, ProxyParseContext context, CancellationToken cancellationToken = default);
}

/// <summary>What auto-detection sees of a document: its first bytes and what the server or file name said it is.</summary>
/// <param name="Head">The first bytes (up to 8 KiB), possibly with a UTF-8 BOM.</param>
/// <param name="ContentType">The HTTP <c>Content-Type</c>, when known.</param>
/// <param name="FileName">The URL path or file name, when known (its extension is a hint).</param>
public sealed record ProxyDocumentProbe(ReadOnlyMemory<byte> Head, string? ContentType = null, string? FileName = null)
{
    /// <summary>How many bytes callers put in <see cref="Head"/>.</summary>
    public const int HeadLength = 8 * 1024;

    /// <summary>Gets the head as text (BOM removed, leading whitespace trimmed), for sniffing.</summary>
    public string Text
    {
        get
        {
            var span = Head.Span;
            if (span.StartsWith("\uFEFF"u8))
            {
                span = span[3..];
            }

            return System.Text.Encoding.UTF8.GetString(span).TrimStart();
        }
    }

    /// <summary>Gets whether the content type or file name says <paramref name="kind"/> (e.g. <c>json</c>, <c>csv</c>, <c>html</c>).</summary>
    public bool Declares(string kind) =>
        (ContentType?.Contains(kind, StringComparison.OrdinalIgnoreCase) ?? false)
        || (FileName is { } name && Path.GetExtension(name.Split('?')[0]).TrimStart('.').Equals(kind, StringComparison.OrdinalIgnoreCase));
}
