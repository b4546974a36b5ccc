namespace ProxyKit.Pool.Parsing;

/// <summary>The HTML elements the table reader cares about.</summary>
internal enum HtmlTag
{
    /// <summary>Anything else.</summary>
    Other,

    /// <summary><c>table</c>.</summary>
    Table,

    /// <summary><c>thead</c>.</summary>
    Thead,

    /// <summary><c>tbody</c>.</summary>
    Tbody,

    /// <summary><c>tfoot</c>.</summary>
    Tfoot,

    /// <summary><c>tr</c>.</summary>
    Tr,

    /// <summary><c>td</c>.</summary>
    Td,

    /// <summary><c>th</c>.</summary>
    Th,

    /// <summary>An element that separates words in a cell's text (<c>br</c>, <c>div</c>, <c>p</c>, <c>li</c>).</summary>
    Break,
}

/// <summary>What <see cref="StructuredHtmlReader"/> read.</summary>
internal enum HtmlTokenKind
{
    /// <summary>Character data (entities not yet decoded).</summary>
    Text,

    /// <summary>A start tag.</summary>
    StartTag,

    /// <summary>An end tag.</summary>
    EndTag,
}

/// <summary>
/// A small streaming HTML tokenizer: text runs, start tags (with <c>colspan</c>) and end tags, holding only a window of
/// characters. Comments, doctypes and processing instructions are skipped, as are the contents of <c>script</c> and
/// <c>style</c>. Markup longer than <see cref="MaxMarkupChars"/> is read as text. Not a full HTML5 tokenizer: enough to
/// walk tables structurally.
/// </summary>
internal sealed class StructuredHtmlReader(TextReader reader)
{
    /// <summary>The longest tag read as markup.</summary>
    public const int MaxMarkupChars = 64 * 1024;

    private static readonly System.Buffers.SearchValues<char> NameEnd = System.Buffers.SearchValues.Create(" \t\r\n\f/>");

    private char[] _buffer = new char[16 * 1024];
    private int _position;
    private int _length;
    private bool _eof;
    private string? _skipUntil; // "-->", ">", "</script", "</style"

    /// <summary>Gets what was read.</summary>
    public HtmlTokenKind Kind { get; private set; }

    /// <summary>Gets the tag, for a start or end tag.</summary>
    public HtmlTag Tag { get; private set; }

    /// <summary>Gets a start tag's <c>colspan</c> (1 when absent or unreadable; at most 1000).</summary>
    public int Colspan { get; private set; }

    /// <summary>Gets the text, for a text token; valid until the next read.</summary>
    public ReadOnlyMemory<char> Text { get; private set; }

    /// <summary>Reads the next token; false at the end of the document.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_skipUntil is not null)
            {
                if (!SkipToTerminator())
                {
                    if (_eof)
                    {
                        return false;
                    }

                    await FillAsync(cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (_position == _length)
            {
                if (_eof)
                {
                    return false;
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var span = _buffer.AsSpan(_position, _length - _position);
            if (span[0] != '<')
            {
                var end = span.IndexOf('<');
                end = end < 0 ? span.Length : end;
                Kind = HtmlTokenKind.Text;
                Text = _buffer.AsMemory(_position, end);
                _position += end;
                return true;
            }

            switch (TryMarkup(span))
            {
                case Markup.Token:
                    return true;
                case Markup.Skipped:
                    continue;
                case Markup.Incomplete when !_eof && span.Length < MaxMarkupChars:
                    await FillAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                default:
                    Kind = HtmlTokenKind.Text; // a '<' that starts no markup
                    Text = _buffer.AsMemory(_position, 1);
                    _position++;
                    return true;
            }
        }
    }

    private Markup TryMarkup(ReadOnlySpan<char> span)
    {
        if (span.Length < 2)
        {
            return Markup.Incomplete;
        }

        if (span[1] is '!' or '?')
        {
            if (span.Length < 4)
            {
                return Markup.Incomplete;
            }

            var comment = span.StartsWith("<!--", StringComparison.Ordinal);
            _skipUntil = comment ? "-->" : ">";
            _position += comment ? 4 : 2;
            return Markup.Skipped;
        }

        var isEnd = span[1] == '/';
        var nameStart = isEnd ? 2 : 1;
        if (span.Length <= nameStart)
        {
            return Markup.Incomplete;
        }

        if (!char.IsAsciiLetter(span[nameStart]))
        {
            return Markup.None;
        }

        var close = FindTagEnd(span);
        if (close < 0)
        {
            return Markup.Incomplete;
        }

        var inner = span[nameStart..close];
        var nameLength = inner.IndexOfAny(NameEnd);
        var name = nameLength < 0 ? inner : inner[..nameLength];
        Tag = Classify(name, out var rawText);
        Kind = isEnd ? HtmlTokenKind.EndTag : HtmlTokenKind.StartTag;
        Colspan = !isEnd && Tag is HtmlTag.Td or HtmlTag.Th ? ReadColspan(inner[name.Length..]) : 1;
        _position += close + 1;
        if (!isEnd && rawText is not null && !inner.EndsWith('/'))
        {
            _skipUntil = rawText; // script or style: their content is not text; the end tag is read normally
        }

        return Markup.Token;
    }

    // The index of the '>' closing the tag, skipping quoted attribute values; -1 when not buffered yet.
    private static int FindTagEnd(ReadOnlySpan<char> span)
    {
        var quote = '\0';
        var previous = '\0'; // the last character that is not whitespace
        for (var i = 1; i < span.Length; i++)
        {
            var c = span[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                    previous = c;
                }
            }
            else if (c is '"' or '\'' && previous == '=')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return i;
            }
            else if (!char.IsWhiteSpace(c))
            {
                previous = c;
            }
        }

        return -1;
    }

    private static HtmlTag Classify(ReadOnlySpan<char> name, out string? rawText)
    {
        rawText = null;
        if (name.Equals("script", StringComparison.OrdinalIgnoreCase))
        {
            rawText = "</script";
            return HtmlTag.Other;
        }

        if (name.Equals("style", StringComparison.OrdinalIgnoreCase))
        {
            rawText = "</style";
            return HtmlTag.Other;
        }

        return name.Length switch
        {
            2 when name.Equals("tr", StringComparison.OrdinalIgnoreCase) => HtmlTag.Tr,
            2 when name.Equals("td", StringComparison.OrdinalIgnoreCase) => HtmlTag.Td,
            2 when name.Equals("th", StringComparison.OrdinalIgnoreCase) => HtmlTag.Th,
            5 when name.Equals("table", StringComparison.OrdinalIgnoreCase) => HtmlTag.Table,
            5 when name.Equals("thead", StringComparison.OrdinalIgnoreCase) => HtmlTag.Thead,
            5 when name.Equals("tbody", StringComparison.OrdinalIgnoreCase) => HtmlTag.Tbody,
            5 when name.Equals("tfoot", StringComparison.OrdinalIgnoreCase) => HtmlTag.Tfoot,
            _ when name.Equals("br", StringComparison.OrdinalIgnoreCase) || name.Equals("div", StringComparison.OrdinalIgnoreCase)
                || name.Equals("p", StringComparison.OrdinalIgnoreCase) || name.Equals("li", StringComparison.OrdinalIgnoreCase) => HtmlTag.Break,
            _ => HtmlTag.Other,
        };
    }

    // colspan=3, colspan="3" or colspan='3' among the attributes.
    private static int ReadColspan(ReadOnlySpan<char> attributes)
    {
        var at = attributes.IndexOf("colspan", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return 1;
        }

        var rest = attributes[(at + 7)..].TrimStart();
        if (rest.IsEmpty || rest[0] != '=')
        {
            return 1;
        }

        rest = rest[1..].TrimStart().TrimStart("\"'");
        var value = 0;
        var digits = 0;
        while (digits < rest.Length && digits < 4 && char.IsAsciiDigit(rest[digits]))
        {
            value = (value * 10) + (rest[digits++] - '0');
        }

        return value is >= 1 and <= 1000 ? value : 1;
    }

    // Skips to the terminator (case-insensitive); false when it is not buffered yet (the tail that might start it is kept).
    private bool SkipToTerminator()
    {
        var span = _buffer.AsSpan(_position, _length - _position);
        var at = span.IndexOf(_skipUntil, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            _position = Math.Max(_position, _length - (_skipUntil!.Length - 1));
            return false;
        }

        // A comment or declaration is consumed with its terminator; "</script" is left to be read as the end tag.
        _position += _skipUntil![0] == '<' ? at : at + _skipUntil.Length;
        _skipUntil = null;
        return true;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        var pending = _length - _position;
        if (_position > 0)
        {
            _buffer.AsSpan(_position, pending).CopyTo(_buffer);
            (_position, _length) = (0, pending);
        }

        if (_length == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2); // a tag longer than the window (bounded by MaxMarkupChars)
        }

        var read = await reader.ReadAsync(_buffer.AsMemory(_length), cancellationToken).ConfigureAwait(false);
        _eof = read == 0;
        _length += read;
    }

    private enum Markup
    {
        None,
        Incomplete,
        Skipped,
        Token,
    }
}
