using System.Collections;

namespace ProxyKit.Pool.Parsing;

/// <summary><see cref="ProxyParseContext.Proxies"/>: a live view whose records are made on first read, then kept.</summary>
internal sealed class ParsedProxyList(ProxyParseContext context) : IReadOnlyList<ParsedProxy>
{
    public int Count => context.Count;

    public ParsedProxy this[int index] => context.GetRecord(index);

    public IEnumerator<ParsedProxy> GetEnumerator()
    {
        for (var i = 0; i < context.Count; i++)
        {
            yield return context.GetRecord(i);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
