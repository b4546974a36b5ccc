using System.Text;

namespace ProxyKit.Pool.Parsing;

/// <summary>
/// CSV and TSV proxy lists (contract rule 4), read record by record. The first non-blank row is the header and columns
/// are mapped by name, case-insensitively: <c>ip</c>/<c>ip address</c>/<c>host</c>; <c>port</c>;
/// <c>protocol</c>/<c>protocols</c>/<c>proxy type</c> (one, or a list such as <c>SOCKS4, SOCKS5</c>: one proxy each)
/// or else <c>type</c>; <c>username</c>/<c>user</c>/<c>login</c>; <c>password</c>/<c>pass</c>; and a combined
/// <c>proxy</c>/<c>ip:port</c>/<c>address</c> column holding a whole token, used when there is no IP column value.
/// Other columns are metadata. The delimiter (<c>,</c>, <c>;</c> or tab) is the one the header row uses most outside
/// quotes. RFC 4180 quoting: quoted fields may hold delimiters, line breaks and doubled quotes. Blank lines are ignored;
/// every other data row that yields no proxy counts as one rejected record.
/// </summary>
public sealed class CsvProxyParser : IProxySourceParser
{
    /// <summary>The parser's name.</summary>
    public const string ParserName = "csv";

    private static readonly char[] Delimiters = [',', ';', '\t'];

    /// <inheritdoc />
    public string Name => ParserName;

    /// <inheritdoc />
    /// <remarks>Declared CSV or TSV, or a first line that is a header naming an IP column and a port column.</remarks>
    public bool Supports(ProxyDocumentProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.Declares("csv") || probe.Declares("tsv") || probe.Declares("tab-separated-values"))
        {
            return true;
        }

        var text = probe.Text.AsSpan();
        var newline = text.IndexOfAny('\r', '\n');
        var header = newline < 0 ? text : text[..newline];
        var fields = new List<StructuredField>();
        foreach (var delimiter in Delimiters)
        {
            fields.Clear();
            foreach (var range in header.Split(delimiter))
            {
                fields.Add(StructuredFieldNames.Classify(header[range].Trim().Trim('"'), allowAddress: true, out _));
            }

            if (fields.Contains(StructuredField.Ip) && fields.Contains(StructuredField.Port))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public async ValueTask ParseAsync(Stream content, ProxyParseContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024, leaveOpen: true);
        var reader = new StructuredCsvReader(text);
        reader.Delimiter = DetectDelimiter((await reader.PeekAsync(cancellationToken).ConfigureAwait(false)).Span);

        var fields = new List<string>();
        if (!await reader.ReadRecordAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var columns = new (StructuredField Field, int Rank)[fields.Count];
        for (var i = 0; i < fields.Count; i++)
        {
            columns[i].Field = StructuredFieldNames.Classify(fields[i], allowAddress: true, out columns[i].Rank);
        }

        var record = new StructuredRecord();
        var found = new List<ParsedProxy>();
        while (await reader.ReadRecordAsync(fields, cancellationToken).ConfigureAwait(false))
        {
            record.Reset();
            for (var i = 0; i < Math.Min(fields.Count, columns.Length); i++)
            {
                record.Offer(columns[i].Field, columns[i].Rank, fields[i]);
            }

            if (!reader.Overflowed)
            {
                record.Emit(found);
            }

            if (found.Count == 0)
            {
                context.Reject();
            }

            foreach (var proxy in found)
            {
                context.Add(proxy);
            }

            found.Clear();
        }
    }

    // The delimiter the header row (the first non-blank line) uses most outside quotes; a comma when it uses none.
    private static char DetectDelimiter(ReadOnlySpan<char> head)
    {
        head = head.TrimStart("\r\n\t \uFEFF");
        Span<int> counts = stackalloc int[Delimiters.Length];
        var quoted = false;
        foreach (var c in head)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\r' or '\n')
            {
                break;
            }
            else if (!quoted && Array.IndexOf(Delimiters, c) is var index and >= 0)
            {
                counts[index]++;
            }
        }

        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return Delimiters[best];
    }
}
