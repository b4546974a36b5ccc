namespace ProxyKit.Pool.Parsing;

/// <summary>
/// The mapped fields of one structured record (a JSON object, CSV row or HTML table row), turned into proxies by
/// <see cref="Emit"/>. Reused record after record (<see cref="Reset"/>); not thread-safe.
/// </summary>
internal sealed class StructuredRecord
{
    private static readonly char[] ProtocolSeparators = [',', ';', '|', '/', ' ', '\t'];

    private readonly Slot[] _slots = new Slot[(int)StructuredField.Country + 1];
    private readonly List<string> _protocols = [];

    /// <summary>Clears every field.</summary>
    public void Reset()
    {
        Array.Clear(_slots);
        _protocols.Clear();
    }

    /// <summary>
    /// Claims <paramref name="field"/> for a value of <paramref name="rank"/>: true when no better-ranked (or equal, earlier)
    /// value holds it; a claim replaces a worse-ranked value.
    /// </summary>
    public bool Claim(StructuredField field, int rank)
    {
        ref var slot = ref _slots[(int)field];
        if (slot.Present && slot.Rank <= rank)
        {
            return false;
        }

        slot = new Slot(true, rank, null, false);
        if (field == StructuredField.Protocol)
        {
            _protocols.Clear();
        }

        return true;
    }

    /// <summary>Sets a claimed field's text; blank text means absent, except for protocols, where it states none.</summary>
    public void Set(StructuredField field, string? text)
    {
        ref var slot = ref _slots[(int)field];
        if (field == StructuredField.Protocol)
        {
            if (!string.IsNullOrWhiteSpace(text))
            {
                _protocols.Add(text);
            }

            return;
        }

        slot = slot with { Text = string.IsNullOrWhiteSpace(text) ? null : text };
    }

    /// <summary>Marks a claimed field as holding a value of the wrong shape (an object for an IP, <c>true</c> for a port): the record yields nothing.</summary>
    public void SetInvalid(StructuredField field) => _slots[(int)field] = _slots[(int)field] with { Invalid = true };

    /// <summary>Claims and sets in one step (CSV and HTML cells).</summary>
    public void Offer(StructuredField field, int rank, string? text)
    {
        if (field != StructuredField.None && Claim(field, rank))
        {
            Set(field, text);
        }
    }

    /// <summary>
    /// Adds this record's proxies to <paramref name="output"/>: none when it has no usable address or states an unknown
    /// protocol; one per protocol when it lists several; protocol null when it states none and no <paramref name="protocolHint"/> applies.
    /// </summary>
    /// <param name="output">Receives the proxies.</param>
    /// <param name="protocolHint">The protocol implied by the record's container (a JSON <c>{"socks5":[...]}</c> key), or <see langword="null"/>.</param>
    public void Emit(List<ParsedProxy> output, string? protocolHint = null)
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            // A country of another shape (an object, a name) is metadata lost, not a broken record.
            if (_slots[i].Invalid && i != (int)StructuredField.Country)
            {
                return;
            }
        }

        var country = Text(StructuredField.Country) is { Length: 2 } code && char.IsAsciiLetter(code[0]) && char.IsAsciiLetter(code[1])
            ? code.ToUpperInvariant()
            : null;

        var ipText = Text(StructuredField.Ip);
        var portText = Text(StructuredField.Port);
        var proxyText = Text(StructuredField.Proxy);
        string ip;
        int port;
        StructuredToken token = default;
        var hasToken = false;
        if (ipText is not null)
        {
            if (ProxyFields.TryNormalizeIp(ipText, out ip))
            {
                if (portText is null || !ProxyFields.TryParsePort(portText, out port))
                {
                    return;
                }
            }
            else if (portText is null && StructuredToken.TryParse(ipText, out token))
            {
                hasToken = true; // "ip": "192.0.2.1:8080" with no port field
                (ip, port) = (token.Ip, token.Port);
            }
            else
            {
                return;
            }
        }
        else if (proxyText is not null)
        {
            if (StructuredToken.TryParse(proxyText, out token))
            {
                hasToken = true;
                (ip, port) = (token.Ip, token.Port);
            }
            else if (portText is not null && ProxyFields.TryNormalizeIp(proxyText, out ip) && ProxyFields.TryParsePort(portText, out port))
            {
                // an address column holding only the IP, beside a port column
            }
            else
            {
                return;
            }
        }
        else
        {
            return;
        }

        string? username, password;
        if (hasToken && token.Username is not null)
        {
            (username, password) = (token.Username, token.Password);
        }
        else
        {
            username = Text(StructuredField.Username);
            password = username is null ? null : Text(StructuredField.Password);
        }

        if (hasToken && token.Protocol is not null)
        {
            output.Add(new ParsedProxy(ip, port, token.Protocol, username, password, country));
            return;
        }

        var start = output.Count;
        foreach (var value in _protocols)
        {
            foreach (var part in value.Split(ProtocolSeparators, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!ProxyFields.TryNormalizeScheme(part, out var protocol))
                {
                    output.RemoveRange(start, output.Count - start); // an explicit unknown protocol rejects the whole record
                    return;
                }

                output.Add(new ParsedProxy(ip, port, protocol, username, password, country));
            }
        }

        if (output.Count == start)
        {
            output.Add(new ParsedProxy(ip, port, protocolHint, username, password, country)); // the record states no protocol
        }
    }

    // Addresses and ports are trimmed; credentials are case-sensitive and taken as written (blank means absent).
    private string? Text(StructuredField field) =>
        _slots[(int)field].Text is not { } text ? null
        : field is StructuredField.Username or StructuredField.Password ? text
        : text.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    private readonly record struct Slot(bool Present, int Rank, string? Text, bool Invalid);
}
