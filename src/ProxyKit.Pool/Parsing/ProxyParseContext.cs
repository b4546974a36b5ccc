namespace ProxyKit.Pool.Parsing;

/// <summary>
/// Collects what a parser finds in one document: unique proxies (first occurrence kept), rejected records and
/// duplicates (contract rule 5: the key is protocol, ip, port, username and password after normalisation, with the
/// default protocol applied first). Not thread-safe while a parser adds to it; once parsing is done, reading
/// <see cref="Proxies"/> from several threads is safe.
/// </summary>
/// <remarks>
/// Proxies are kept as compact keys (addresses as numbers, strings interned once) and become <see cref="ParsedProxy"/>
/// objects only when read, so a list of a million lines costs no million records and address strings unless asked for.
/// A record passed to <see cref="Add(ParsedProxy)"/> is kept as it is and handed back by <see cref="Proxies"/>.
/// </remarks>
public sealed class ProxyParseContext
{
    // Built-in parsers queue up to this many keys before adding them: see Flush.
    private const int PendingCapacity = 64;

    private readonly ProxyStringTable _strings = new();
    private readonly ProxyKeySet _keys = new();
    private readonly ProxyKey[] _pending = new ProxyKey[PendingCapacity];
    private readonly int _defaultProtocol = -1;
    private int _pendingCount;
    private int _duplicates;
    private ParsedProxy?[] _records = []; // by key index: made on first read, or the record a caller added
    private ParsedProxyList? _proxies;

    /// <summary>Creates a context.</summary>
    /// <param name="defaultProtocol">The protocol given to proxies whose record states none (the source's <c>default_protocol</c>), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The default is not a known protocol.</exception>
    public ProxyParseContext(string? defaultProtocol = null)
    {
        if (defaultProtocol is not null)
        {
            _defaultProtocol = ProxyFields.TryGetProtocolId(defaultProtocol, out var id)
                ? id
                : throw new ArgumentException($"Unknown protocol '{defaultProtocol}': use http, https, socks4 or socks5.", nameof(defaultProtocol));
            DefaultProtocol = ProxyFields.ProtocolNames[id];
        }
    }

    /// <summary>Gets the protocol applied to records that state none.</summary>
    public string? DefaultProtocol { get; }

    /// <summary>Gets the unique proxies, in the order first found.</summary>
    public IReadOnlyList<ParsedProxy> Proxies => _proxies ??= new ParsedProxyList(this);

    /// <summary>Gets how many records yielded no proxy.</summary>
    public int Rejected { get; private set; }

    /// <summary>Gets how many proxies repeated one found before.</summary>
    public int Duplicates
    {
        get
        {
            Flush();
            return _duplicates;
        }
    }

    /// <summary>Gets how many unique proxies were found.</summary>
    internal int Count
    {
        get
        {
            Flush();
            return _keys.Count;
        }
    }

    /// <summary>Reports a proxy (already normalised); a repeat counts as a duplicate.</summary>
    public void Add(ParsedProxy proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        Flush();

        // A canonical IP shares its key with the same address parsed from a list; any other text is a string of its own.
        if (proxy.Ip is null || !ProxyAddress.TryFromCanonicalText(proxy.Ip, out var address))
        {
            address = new ProxyAddress(ProxyAddressKind.Text, (uint)_strings.GetId(proxy.Ip));
        }

        var protocol = proxy.Protocol is null ? _defaultProtocol : _strings.GetId(proxy.Protocol);
        if (Add(new ProxyKey(address, proxy.Port, protocol, _strings.GetId(proxy.Username), _strings.GetId(proxy.Password))))
        {
            // Keep the caller's record (as a list of records would), so Proxies hands back that very object.
            var index = _keys.Count - 1;
            if (index >= _records.Length)
            {
                Array.Resize(ref _records, Math.Max(index + 1, Math.Max(16, _records.Length * 2)));
            }

            _records[index] = proxy.Protocol is null && DefaultProtocol is not null ? proxy with { Protocol = DefaultProtocol } : proxy;
        }
    }

    /// <summary>Reports one record (line, row, element) that yielded no proxy.</summary>
    public void Reject() => Rejected++;

    /// <summary>The built-in parsers' <see cref="Add(ParsedProxy)"/>: no strings unless the credentials are new.</summary>
    internal void Add(in ProxyToken token)
    {
        int username = -1, password = -1;
        if (token.HasCredentials)
        {
            username = token.Escaped ? _strings.GetUnescapedId(token.Username) : _strings.GetId(token.Username);
            password = token.Escaped ? _strings.GetUnescapedId(token.Password) : _strings.GetId(token.Password);
        }

        // Protocol ids and string ids agree for the four protocols (ProxyStringTable adds them first).
        _pending[_pendingCount++] = new ProxyKey(token.Address, token.Port, token.Protocol < 0 ? _defaultProtocol : token.Protocol, username, password);
        if (_pendingCount == PendingCapacity)
        {
            Flush();
        }
    }

    /// <summary>
    /// Adds the keys <see cref="Add(in ProxyToken)"/> queued, in order. Queuing is for speed: in a large list nearly every
    /// insert misses the cache, and touching a batch's table slots first lets those misses overlap. Every read of the
    /// results flushes first, and the built-in parsers flush when they finish, so reading after parsing never writes.
    /// </summary>
    internal void Flush()
    {
        if (_pendingCount == 0)
        {
            return;
        }

        var pending = _pending.AsSpan(0, _pendingCount);
        _pendingCount = 0;
        _keys.Prefetch(pending);
        foreach (ref readonly var key in pending)
        {
            Add(key);
        }
    }

    /// <summary>
    /// Gets the <paramref name="index"/>th unique proxy, making its record on first read. Readers racing after parsing may
    /// each make a record for one index; they are equal, and one of them is kept.
    /// </summary>
    internal ParsedProxy GetRecord(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var records = _records;
        if (index >= records.Length)
        {
            var grown = new ParsedProxy?[_keys.Count];
            records.CopyTo(grown, 0);
            _records = records = grown;
        }

        return records[index] ??= Materialize(index);
    }

    private ParsedProxy Materialize(int index)
    {
        ref readonly var key = ref _keys[index];
        var address = key.Address;
        var ip = address.Kind == ProxyAddressKind.Text ? _strings[(int)(uint)address.Value] : address.ToString();
        return new ParsedProxy(ip!, key.Port, _strings[key.Protocol], _strings[key.Username], _strings[key.Password]);
    }

    private bool Add(in ProxyKey key)
    {
        if (_keys.Add(key))
        {
            return true;
        }

        _duplicates++;
        return false;
    }
}
