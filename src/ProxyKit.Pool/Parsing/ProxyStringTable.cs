namespace ProxyKit.Pool.Parsing;

/// <summary>
/// The distinct strings of one parse (credentials, protocols, addresses that are not IPs), each stored once and known by
/// an id, so a <see cref="ProxyKey"/> holds ints and a repeated credential read from a span allocates nothing.
/// Ids 0-3 are the protocols of <see cref="ProxyFields.ProtocolNames"/>; -1 stands for <see langword="null"/>.
/// </summary>
internal sealed class ProxyStringTable
{
    private readonly Dictionary<string, int> _ids = [];
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spans;
    private readonly List<string> _strings = [];

    public ProxyStringTable()
    {
        _spans = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var protocol in ProxyFields.ProtocolNames)
        {
            Add(protocol);
        }
    }

    /// <summary>Gets the string with id <paramref name="id"/>, or <see langword="null"/> for -1.</summary>
    public string? this[int id] => id < 0 ? null : _strings[id];

    /// <summary>Gets the id of <paramref name="text"/>, adding it when new; -1 for <see langword="null"/>.</summary>
    public int GetId(string? text) => text is null ? -1 : _ids.TryGetValue(text, out var id) ? id : Add(text);

    /// <summary>Gets the id of <paramref name="text"/>, allocating its string only when it is new.</summary>
    public int GetId(ReadOnlySpan<char> text) => _spans.TryGetValue(text, out var id) ? id : Add(text.ToString());

    /// <summary>
    /// Gets the id of <paramref name="text"/> percent-decoded (userinfo inside a scheme URL); decoded on the stack when short,
    /// so a repeated credential still allocates nothing.
    /// </summary>
    public int GetUnescapedId(ReadOnlySpan<char> text)
    {
        if (!text.Contains('%'))
        {
            return GetId(text);
        }

        // Unescaping never lengthens text, so a buffer of the input's length always suffices.
        var buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        return Uri.TryUnescapeDataString(text, buffer, out var written)
            ? GetId(buffer[..written])
            : GetId(Uri.UnescapeDataString(text));
    }

    private int Add(string text)
    {
        var id = _strings.Count;
        _ids.Add(text, id);
        _strings.Add(text);
        return id;
    }
}
