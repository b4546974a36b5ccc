namespace ProxyKit.Pool.Parsing;

/// <summary>
/// Collects what a parser finds in one document: unique proxies (first occurrence kept), rejected records and
/// duplicates (contract rule 5: the key is protocol, ip, port, username and password after normalisation, with the
/// default protocol applied first). Not thread-safe: one document, one parser, one context.
/// </summary>
public sealed class ProxyParseContext
{
    private readonly HashSet<ParsedProxy> _seen = [];
    private readonly List<ParsedProxy> _proxies = [];

    /// <summary>Creates a context.</summary>
    /// <param name="defaultProtocol">The protocol given to proxies whose record states none (the source's <c>default_protocol</c>), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The default is not a known protocol.</exception>
    public ProxyParseContext(string? defaultProtocol = null)
    {
        if (defaultProtocol is not null)
        {
            DefaultProtocol = ProxyFields.TryNormalizeScheme(defaultProtocol, out var normalized)
                ? normalized
                : throw new ArgumentException($"Unknown protocol '{defaultProtocol}': use http, https, socks4 or socks5.", nameof(defaultProtocol));
        }
    }

    /// <summary>Gets the protocol applied to records that state none.</summary>
    public string? DefaultProtocol { get; }

    /// <summary>Gets the unique proxies, in the order first found.</summary>
    public IReadOnlyList<ParsedProxy> Proxies => _proxies;

    /// <summary>Gets how many records yielded no proxy.</summary>
    public int Rejected { get; private set; }

    /// <summary>Gets how many proxies repeated one found before.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Reports a proxy (already normalised); a repeat counts as a duplicate.</summary>
    public void Add(ParsedProxy proxy)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        if (proxy.Protocol is null && DefaultProtocol is not null)
        {
            proxy = proxy with { Protocol = DefaultProtocol };
        }

        if (_seen.Add(proxy))
        {
            _proxies.Add(proxy);
        }
        else
        {
            Duplicates++;
        }
    }

    /// <summary>Reports one record (line, row, element) that yielded no proxy.</summary>
    public void Reject() => Rejected++;
}
