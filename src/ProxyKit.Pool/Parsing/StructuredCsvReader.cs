using System.Text;

namespace ProxyKit.Pool.Parsing;

/// <summary>
/// Reads RFC 4180 records from text, one at a time: fields split on one delimiter, quoted fields may hold the delimiter,
/// line breaks and doubled quotes; LF, CRLF or CR end a record. Unquoted fields are trimmed. A record longer than
/// <see cref="MaxRecordChars"/> (an unterminated quote) is cut short and reported as <see cref="Overflowed"/>.
/// </summary>
internal sealed class StructuredCsvReader(TextReader reader)
{
    /// <summary>The most characters kept for one record.</summary>
    public const int MaxRecordChars = 256 * 1024;

    private readonly char[] _chunk = new char[16 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private bool _eof;
    private int _recordChars;
    private bool _quoted;         // inside a quoted field
    private bool _quoteInQuoted;  // a quote seen inside a quoted field: the end, or the first of a doubled pair
    private bool _fieldWasQuoted;
    private bool _recordHadQuotes;
    private bool _skipLineFeed;   // a CR ended the last record: a LF right after it belongs to it

    /// <summary>Gets or sets the delimiter: <c>,</c>, <c>;</c> or a tab.</summary>
    public char Delimiter { get; set; } = ',';

    /// <summary>Gets whether the last record was longer than <see cref="MaxRecordChars"/>.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Fills the look-ahead (for delimiter detection) and returns it.</summary>
    public async ValueTask<ReadOnlyMemory<char>> PeekAsync(CancellationToken cancellationToken)
    {
        if (_length == 0 && !_eof)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }

        return _chunk.AsMemory(_position, _length - _position);
    }

    /// <summary>Reads the next record that is not blank into <paramref name="fields"/>; false at the end of the text.</summary>
    public async ValueTask<bool> ReadRecordAsync(List<string> fields, CancellationToken cancellationToken)
    {
        fields.Clear();
        while (true)
        {
            var ended = Scan(fields, out var atEnd);
            if (!ended && !atEnd)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!ended && _recordChars == 0 && fields.Count == 0 && _field.Length == 0 && !_recordHadQuotes)
            {
                return false; // nothing left
            }

            if (!ended)
            {
                EndField(fields); // the last record has no line break
            }

            var blank = fields.Count == 1 && fields[0].Length == 0 && !_recordHadQuotes;
            Overflowed = _recordChars > MaxRecordChars;
            _recordChars = 0;
            _recordHadQuotes = false;
            _fieldWasQuoted = false;
            _quoted = false;
            _quoteInQuoted = false;
            if (!blank)
            {
                return true;
            }

            if (atEnd && !ended)
            {
                return false;
            }

            fields.Clear();
        }
    }

    // Consumes characters until a record ends (true) or the chunk runs out (false; atEnd when the text has ended too).
    private bool Scan(List<string> fields, out bool atEnd)
    {
        atEnd = false;
        while (_position < _length)
        {
            var c = _chunk[_position++];
            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (c == '\n')
                {
                    continue;
                }
            }

            _recordChars++;
            if (_quoteInQuoted)
            {
                _quoteInQuoted = false;
                if (c == '"')
                {
                    Append(c); // "" inside quotes
                    continue;
                }

                _quoted = false; // the closing quote; c is read as unquoted text below
            }
            else if (_quoted)
            {
                if (c == '"')
                {
                    _quoteInQuoted = true;
                }
                else
                {
                    Append(c);
                }

                continue;
            }

            if (c == Delimiter)
            {
                EndField(fields);
            }
            else if (c is '\n' or '\r')
            {
                _skipLineFeed = c == '\r';
                EndField(fields);
                return true;
            }
            else if (c == '"' && !_fieldWasQuoted && IsWhiteSpace(_field))
            {
                _field.Clear(); // a quoted field (spaces before the quote dropped)
                _quoted = true;
                _fieldWasQuoted = true;
                _recordHadQuotes = true;
            }
            else
            {
                Append(c); // lenient: a stray quote in an unquoted field is text
            }
        }

        atEnd = _eof;
        return false;
    }

    private static bool IsWhiteSpace(StringBuilder text)
    {
        foreach (var chunk in text.GetChunks())
        {
            if (!chunk.Span.IsWhiteSpace())
            {
                return false;
            }
        }

        return true;
    }

    private void Append(char c)
    {
        if (_recordChars <= MaxRecordChars)
        {
            _field.Append(c);
        }
    }

    private void EndField(List<string> fields)
    {
        var text = _field.ToString();
        if (_recordChars > MaxRecordChars && fields.Count > 0)
        {
            _field.Clear(); // an overflowing record (rejected anyway) keeps no more fields
            _fieldWasQuoted = false;
            return;
        }

        fields.Add(_fieldWasQuoted ? text : text.Trim());
        _field.Clear();
        _fieldWasQuoted = false;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        _length = await reader.ReadAsync(_chunk.AsMemory(), cancellationToken).ConfigureAwait(false);
        _position = 0;
        _eof = _length == 0;
    }
}
