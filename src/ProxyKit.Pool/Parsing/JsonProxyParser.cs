using System.Text.Json;

namespace ProxyKit.Pool.Parsing;

/// <summary>
/// JSON proxy lists (contract rule 4), read token by token so a large document is never held whole:
/// <list type="bullet">
/// <item>a top-level array of objects or of strings (<c>"192.0.2.1:8080"</c>, <c>"socks5://user:pass@192.0.2.1:1080"</c>);</item>
/// <item>an object with a <c>data</c> or <c>proxies</c> array (its other members are metadata);</item>
/// <item>an object whose keys are protocol names and whose values are arrays of strings (<c>{"http":[...],"socks5":[...]}</c>);</item>
/// <item>JSON Lines: one object or string per line, a malformed line rejected on its own.</item>
/// </list>
/// Objects are read by field name, case-insensitively: <c>ip</c>/<c>host</c>; <c>port</c> (number or string);
/// <c>protocol</c>/<c>protocols</c> (a string, a list such as <c>"SOCKS4, SOCKS5"</c>, or an array: one proxy each) or
/// else <c>type</c>; <c>username</c>/<c>user</c>/<c>login</c>; <c>password</c>/<c>pass</c>; and <c>proxy</c>, a whole
/// token, when there is no <c>ip</c>. Every other field is metadata, never mined for addresses (fate0's
/// <c>export_address</c>), and health fields (<c>alive: false</c>) never drop a record. Strings follow the plain-text
/// rules for exactly one token. Each array element or line that yields no proxy counts as one rejected record;
/// malformed JSON outside JSON Lines counts one and ends the document.
/// </summary>
public sealed class JsonProxyParser : IProxySourceParser
{
    /// <summary>The parser's name.</summary>
    public const string ParserName = "json";

    /// <inheritdoc />
    public string Name => ParserName;

    /// <inheritdoc />
    /// <remarks>
    /// Declared JSON (<c>json</c>, <c>jsonl</c>, <c>ndjson</c>), or text starting with <c>{"</c>, <c>{}</c>, <c>[{</c>,
    /// <c>["</c> or <c>[]</c> (whitespace allowed between): a plain-text list starting with <c>[2001:db8::1]:8080</c> is not JSON.
    /// </remarks>
    public bool Supports(ProxyDocumentProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.Declares("json") || probe.Declares("jsonl") || probe.Declares("ndjson"))
        {
            return true;
        }

        var text = probe.Text.AsSpan();
        if (text.IsEmpty || text[0] is not ('{' or '['))
        {
            return false;
        }

        var next = text[1..].TrimStart();
        return next.IsEmpty || (text[0] == '{' ? next[0] is '"' or '}' : next[0] is '{' or '"' or ']');
    }

    /// <inheritdoc />
    public async ValueTask ParseAsync(Stream content, ProxyParseContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(context);
        using var reader = new StructuredJsonReader(content);
        await reader.EnsureBufferedAsync(64 * 1024, cancellationToken).ConfigureAwait(false);
        if (reader.Buffered.StartsWith("\uFEFF"u8))
        {
            reader.Advance(3);
        }

        var session = new Session(context);
        if (IsJsonLines(reader.Buffered, reader.EndOfStream))
        {
            session.BeginLine();
            await ParseLinesAsync(reader, session, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await session.ReadTopLevelAsync(reader, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (JsonException)
        {
            session.Reject(); // the record being read when the document broke; nothing after it can be located
        }
    }

    private static async ValueTask ParseLinesAsync(StructuredJsonReader reader, Session session, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (result, line) = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (result == StructuredJsonReader.LineResult.End)
            {
                return;
            }

            if (result == StructuredJsonReader.LineResult.TooLong)
            {
                session.Reject();
                continue;
            }

            var text = Trim(line.Span);
            if (text.IsEmpty)
            {
                continue;
            }

            using var lineReader = new StructuredJsonReader(text);
            var parsed = true;
            try
            {
                if (await lineReader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    await session.ReadTopLevelAsync(lineReader, cancellationToken).ConfigureAwait(false);
                    await lineReader.ReadAsync(cancellationToken).ConfigureAwait(false); // throws on anything after the value
                }
            }
            catch (JsonException)
            {
                parsed = false;
            }

            session.EndLine(parsed);
        }
    }

    // JSON Lines: the first non-blank line starts an object or a string and either is a whole value itself, or is
    // malformed (not merely the start of a longer document) and the second line is a whole object or string. A
    // pretty-printed document's first line ("{", "[", "{\"data\": [") is never a whole value, so it is never taken for lines.
    private static bool IsJsonLines(ReadOnlySpan<byte> head, bool headIsWhole)
    {
        var first = NextLine(ref head, headIsWhole);
        if (first.IsEmpty || first[0] is not ((byte)'{' or (byte)'"'))
        {
            return false;
        }

        var second = NextLine(ref head, headIsWhole);
        if (second.IsEmpty)
        {
            return false;
        }

        return IsWholeValue(first) || (IsMalformed(first) && second[0] is (byte)'{' or (byte)'"' && IsWholeValue(second));
    }

    private static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> head, bool headIsWhole)
    {
        while (!head.IsEmpty)
        {
            var newline = head.IndexOf((byte)'\n');
            if (newline < 0 && !headIsWhole)
            {
                break; // an incomplete line says nothing
            }

            var line = Trim(newline < 0 ? head : head[..newline]);
            head = newline < 0 ? [] : head[(newline + 1)..];
            if (!line.IsEmpty)
            {
                return line;
            }
        }

        return [];
    }

    private static bool IsWholeValue(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsMalformed(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, isFinalBlock: false, default);
            while (reader.Read())
            {
            }

            return false; // a valid prefix of something longer
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> line) => line.Trim(" \t\r\f\v"u8);

    /// <summary>The state of one parse: the record being filled and the proxies of the current element or line.</summary>
    private sealed class Session(ProxyParseContext context)
    {
        private readonly StructuredRecord _record = new();
        private readonly List<ParsedProxy> _found = [];
        private readonly List<ParsedProxy> _line = [];
        private bool _inLine;

        /// <summary>Counts the record that was being read when the document broke off.</summary>
        public void Reject()
        {
            _found.Clear();
            context.Reject();
        }

        // Reads the top-level value whose first token is current.
        public async ValueTask ReadTopLevelAsync(StructuredJsonReader reader, CancellationToken cancellationToken)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    await ReadArrayAsync(reader, protocolHint: null, cancellationToken).ConfigureAwait(false);
                    break;
                case JsonTokenType.StartObject:
                    if (await ReadObjectAsync(reader, protocolHint: null, allowContainer: true, cancellationToken).ConfigureAwait(false))
                    {
                        Commit();
                    }

                    break;
                default:
                    await ReadElementAsync(reader, protocolHint: null, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        /// <summary>Starts buffering: in JSON Lines a whole line is one record, committed or discarded by <see cref="EndLine"/>.</summary>
        public void BeginLine() => _inLine = true;

        /// <summary>Ends a line: its proxies when it parsed whole and yielded any, else one rejected record.</summary>
        public void EndLine(bool parsed)
        {
            if (parsed && _line.Count > 0)
            {
                foreach (var proxy in _line)
                {
                    context.Add(proxy);
                }
            }
            else
            {
                context.Reject(); // includes a malformed line, even if part of it looked like a proxy
            }

            _line.Clear();
            _found.Clear();
        }

        // Elements of a records array (top level, data/proxies, or a protocol key's array): each one is a record.
        private async ValueTask ReadArrayAsync(StructuredJsonReader reader, string? protocolHint, CancellationToken cancellationToken)
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.TokenType != JsonTokenType.EndArray)
            {
                await ReadElementAsync(reader, protocolHint, cancellationToken).ConfigureAwait(false);
            }
        }

        private async ValueTask ReadElementAsync(StructuredJsonReader reader, string? protocolHint, CancellationToken cancellationToken)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    await ReadObjectAsync(reader, protocolHint, allowContainer: false, cancellationToken).ConfigureAwait(false);
                    break;
                case JsonTokenType.String when StructuredToken.TryParse(reader.Text, out var token):
                    _found.Add(new ParsedProxy(token.Ip, token.Port, token.Protocol ?? protocolHint, token.Username, token.Password));
                    break;
                default:
                    await reader.SkipAsync(cancellationToken).ConfigureAwait(false); // a number, a nested array, a bad string
                    break;
            }

            Commit();
        }

        // Reads an object's members. A container (data/proxies array, protocol-keyed arrays) has its arrays' elements
        // read as records and its other members ignored; otherwise the object is one record, left in _found.
        // Returns whether the object was a record (the caller commits it).
        private async ValueTask<bool> ReadObjectAsync(StructuredJsonReader reader, string? protocolHint, bool allowContainer, CancellationToken cancellationToken)
        {
            var container = false;
            _record.Reset();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = StructuredFieldNames.Classify(reader.Text, allowAddress: false, out var rank);
                string? keyProtocol = null;
                var isList = allowContainer && field == StructuredField.None
                    && (reader.Text.Equals("data", StringComparison.OrdinalIgnoreCase) || reader.Text.Equals("proxies", StringComparison.OrdinalIgnoreCase)
                        || ProxyFields.TryNormalizeScheme(reader.Text, out keyProtocol));
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                if (isList && reader.TokenType == JsonTokenType.StartArray)
                {
                    container = true;
                    await ReadArrayAsync(reader, keyProtocol ?? protocolHint, cancellationToken).ConfigureAwait(false);
                    _record.Reset(); // elements reused the record
                }
                else if (field == StructuredField.None || !_record.Claim(field, rank))
                {
                    await reader.SkipAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ReadFieldAsync(reader, field, cancellationToken).ConfigureAwait(false);
                }
            }

            if (container)
            {
                return false;
            }

            _record.Emit(_found, protocolHint);
            return true;
        }

        private async ValueTask ReadFieldAsync(StructuredJsonReader reader, StructuredField field, CancellationToken cancellationToken)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    break;
                case JsonTokenType.String:
                    _record.Set(field, reader.Text.ToString());
                    break;
                case JsonTokenType.Number when field is not (StructuredField.Ip or StructuredField.Proxy or StructuredField.Protocol):
                    _record.Set(field, reader.Text.ToString()); // "port": 8080 (an integer: "8080.0" fails the port rule)
                    break;
                case JsonTokenType.StartArray when field == StructuredField.Protocol:
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            _record.Set(field, reader.Text.ToString());
                        }
                        else if (reader.TokenType != JsonTokenType.Null)
                        {
                            _record.SetInvalid(field);
                            await reader.SkipAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }

                    break;
                default:
                    _record.SetInvalid(field); // an object, array or boolean where an address, port or protocol belongs
                    await reader.SkipAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        // One element or top-level value is done: its proxies, or one rejected record. In JSON Lines they wait for the line.
        private void Commit()
        {
            if (_inLine)
            {
                _line.AddRange(_found);
            }
            else if (_found.Count == 0)
            {
                context.Reject();
            }
            else
            {
                foreach (var proxy in _found)
                {
                    context.Add(proxy);
                }
            }

            _found.Clear();
        }
    }
}
