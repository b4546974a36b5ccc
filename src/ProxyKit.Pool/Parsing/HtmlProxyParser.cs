using System.Net;
using System.Text;

namespace ProxyKit.Pool.Parsing;

/// <summary>
/// HTML tables of proxies (contract rule 4), read with a small streaming tokenizer, never by regex over the page.
/// A table's columns are mapped by header text (<c>&lt;th&gt;</c> cells or a <c>&lt;thead&gt;</c> row; else its first
/// row), case-insensitively: <c>IP</c>/<c>IP Address</c>/<c>Host</c>; <c>Port</c>; <c>Protocol</c>/<c>Proxy type</c>
/// or else <c>Type</c> (<c>HTTP, HTTPS</c>: one proxy each); <c>Username</c>/<c>User</c>/<c>Login</c>;
/// <c>Password</c>/<c>Pass</c>; and a combined <c>Proxy</c>/<c>IP:Port</c>/<c>Address</c> column. Only tables whose
/// header maps an IP and a port (or a combined column) are read; nested layout tables are walked separately.
/// Cell text is entity-decoded, whitespace-collapsed and trimmed. Each body row with <c>&lt;td&gt;</c> cells that
/// yields no proxy (an ad row spanning the columns, say) is one rejected record; header and footer rows are not records.
/// A yes/no <c>Https</c> column (free-proxy-list.net) is metadata: it says whether the HTTP proxy tunnels TLS, not that
/// the proxy speaks https, so such rows state no protocol.
/// </summary>
public sealed class HtmlProxyParser : IProxySourceParser
{
    /// <summary>The parser's name.</summary>
    public const string ParserName = "html";

    private const int MaxTableDepth = 32;
    private const int MaxCellChars = 4 * 1024;

    /// <inheritdoc />
    public string Name => ParserName;

    /// <inheritdoc />
    /// <remarks>Declared HTML, or a head containing <c>&lt;table</c> or <c>&lt;html</c>.</remarks>
    public bool Supports(ProxyDocumentProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.Declares("html") || probe.Declares("htm"))
        {
            return true;
        }

        var text = probe.Text;
        return text.Contains("<table", StringComparison.OrdinalIgnoreCase) || text.Contains("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public async ValueTask ParseAsync(Stream content, ProxyParseContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024, leaveOpen: true);
        var reader = new StructuredHtmlReader(text);
        var tables = new Stack<Table>();
        var rows = new RowReader(context);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.Kind == HtmlTokenKind.Text)
            {
                if (tables.TryPeek(out var current))
                {
                    current.AppendText(reader.Text.Span);
                }

                continue;
            }

            if (reader.Tag == HtmlTag.Table)
            {
                if (reader.Kind == HtmlTokenKind.StartTag && tables.Count < MaxTableDepth)
                {
                    tables.Push(new Table());
                }
                else if (reader.Kind == HtmlTokenKind.EndTag && tables.TryPop(out var closed))
                {
                    closed.EndRow(rows);
                }

                continue;
            }

            if (tables.TryPeek(out var table))
            {
                table.OnTag(reader.Tag, reader.Kind == HtmlTokenKind.StartTag, reader.Colspan, rows);
            }
        }

        while (tables.TryPop(out var unclosed))
        {
            unclosed.EndRow(rows);
        }
    }

    private enum Section
    {
        Body,
        Head,
        Foot,
    }

    /// <summary>One cell: its decoded text, whether it was a <c>th</c>, and how many columns it spans.</summary>
    private readonly record struct Cell(string Text, bool IsHeader, int Colspan);

    /// <summary>Turns a table's rows into a header or records.</summary>
    private sealed class RowReader(ProxyParseContext context)
    {
        private readonly StructuredRecord _record = new();
        private readonly List<ParsedProxy> _found = [];

        public void Read(Table table, List<Cell> cells, Section section)
        {
            if (cells.Count == 0 || table.Ignored)
            {
                return;
            }

            var hasDataCells = cells.Exists(c => !c.IsHeader);
            if (table.Columns is null)
            {
                var columns = MapHeader(cells);
                if (StructuredFieldNames.CanYieldProxies(columns.Select(c => c.Field)))
                {
                    table.Columns = columns;
                }
                else if (hasDataCells && section != Section.Head)
                {
                    table.Ignored = true; // a first data row that is no header: not a proxy table (layout, calendar, ...)
                }

                return;
            }

            if (!hasDataCells || section != Section.Body)
            {
                return; // repeated header rows and footers are not records
            }

            _record.Reset();
            var position = 0;
            foreach (var cell in cells)
            {
                if (position < table.Columns.Length)
                {
                    var (field, rank) = table.Columns[position];
                    _record.Offer(field, rank, cell.Text);
                }

                position += cell.Colspan;
            }

            _record.Emit(_found);
            if (_found.Count == 0)
            {
                context.Reject(); // an ad row spanning the columns, a row without an address
            }

            foreach (var proxy in _found)
            {
                context.Add(proxy);
            }

            _found.Clear();
        }

        private static (StructuredField Field, int Rank)[] MapHeader(List<Cell> cells)
        {
            var columns = new (StructuredField Field, int Rank)[Math.Min(cells.Sum(c => c.Colspan), 1000)];
            var position = 0;
            foreach (var cell in cells)
            {
                if (position < columns.Length)
                {
                    columns[position].Field = StructuredFieldNames.Classify(cell.Text, allowAddress: true, out columns[position].Rank);
                }

                position += cell.Colspan;
            }

            return columns;
        }
    }

    /// <summary>The state of one open table: its column map, its open row and cell.</summary>
    private sealed class Table
    {
        private readonly List<Cell> _cells = [];
        private readonly StringBuilder _cellText = new();
        private Section _section;
        private bool _inRow;
        private bool _inCell;
        private bool _cellIsHeader;
        private int _cellColspan;

        public (StructuredField Field, int Rank)[]? Columns { get; set; }

        public bool Ignored { get; set; }

        public void AppendText(ReadOnlySpan<char> text)
        {
            if (_inCell && _cellText.Length < MaxCellChars)
            {
                _cellText.Append(text[..Math.Min(text.Length, MaxCellChars - _cellText.Length)]);
            }
        }

        public void OnTag(HtmlTag tag, bool start, int colspan, RowReader rows)
        {
            switch (tag)
            {
                case HtmlTag.Thead or HtmlTag.Tbody or HtmlTag.Tfoot:
                    EndRow(rows);
                    _section = !start ? Section.Body : tag switch
                    {
                        HtmlTag.Thead => Section.Head,
                        HtmlTag.Tfoot => Section.Foot,
                        _ => Section.Body,
                    };
                    break;
                case HtmlTag.Tr:
                    EndRow(rows);
                    _inRow = start;
                    break;
                case HtmlTag.Td or HtmlTag.Th when start:
                    EndCell();
                    _inRow = true;
                    _inCell = true;
                    _cellIsHeader = tag == HtmlTag.Th;
                    _cellColspan = colspan;
                    break;
                case HtmlTag.Td or HtmlTag.Th:
                    EndCell();
                    break;
                case HtmlTag.Break when _inCell:
                    _cellText.Append(' ');
                    break;
            }
        }

        public void EndRow(RowReader rows)
        {
            EndCell();
            if (_inRow)
            {
                rows.Read(this, _cells, _section);
            }

            _cells.Clear();
            _inRow = false;
        }

        private void EndCell()
        {
            if (!_inCell)
            {
                return;
            }

            _cells.Add(new Cell(Normalize(WebUtility.HtmlDecode(_cellText.ToString())), _cellIsHeader, _cellColspan));
            _cellText.Clear();
            _inCell = false;
        }

        // Entities decoded by the caller; whitespace runs (including &nbsp;) become one space, and the ends are trimmed.
        private static string Normalize(string text)
        {
            var builder = new StringBuilder(text.Length);
            var space = false;
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c))
                {
                    space = builder.Length > 0;
                    continue;
                }

                if (space)
                {
                    builder.Append(' ');
                    space = false;
                }

                builder.Append(c);
            }

            return builder.ToString();
        }
    }
}
