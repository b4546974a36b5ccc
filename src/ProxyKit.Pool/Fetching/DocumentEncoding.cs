using System.Text;

namespace ProxyKit.Pool.Fetching;

/// <summary>Decides a source body's text encoding: a byte order mark wins, then the Content-Type charset, else UTF-8.</summary>
internal static class DocumentEncoding
{
    /// <summary>How many leading bytes <see cref="Detect"/> wants to see.</summary>
    public const int SniffLength = 4;

    private static readonly Encoding Utf32BigEndian = new UTF32Encoding(bigEndian: true, byteOrderMark: true);

    /// <summary>
    /// Gets the encoding of a body that starts with <paramref name="head"/> and is labelled <paramref name="charset"/>
    /// (as the WHATWG encoding standard does it: the BOM overrides the label). Charsets .NET knows in-box (UTF-8/16/32,
    /// US-ASCII, ISO-8859-1) and the Windows/ISO code pages of System.Text.Encoding.CodePages are supported; an unknown
    /// or missing charset means UTF-8.
    /// </summary>
    public static Encoding Detect(ReadOnlySpan<byte> head, string? charset)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            return Encoding.UTF32;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            return Utf32BigEndian;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode;
        }

        return FromCharset(charset) ?? Encoding.UTF8;
    }

    /// <summary>Gets the encoding a charset label names, or <see langword="null"/> when it names none known here.</summary>
    public static Encoding? FromCharset(string? charset)
    {
        var name = charset?.Trim().Trim('"', '\'').Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(name);
        }
    }
}
