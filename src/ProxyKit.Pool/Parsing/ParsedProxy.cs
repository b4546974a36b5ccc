namespace ProxyKit.Pool.Parsing;

/// <summary>One proxy as a parser found it, normalised (contract rule 1).</summary>
/// <param name="Ip">Canonical text: a dotted quad, or RFC 5952 IPv6 without brackets.</param>
/// <param name="Port">1 to 65535.</param>
/// <param name="Protocol"><c>http</c>, <c>https</c>, <c>socks4</c> or <c>socks5</c>; <see langword="null"/> when the content states none and no default was given.</param>
/// <param name="Username">The username, when the record has credentials (case-sensitive).</param>
/// <param name="Password">The password, when the record has credentials (case-sensitive).</param>
/// <param name="Country">The ISO 3166-1 alpha-2 country the source states for it (structured sources with a country column), upper case; not part of its identity.</param>
public sealed record ParsedProxy(string Ip, int Port, string? Protocol, string? Username, string? Password, string? Country = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Protocol ?? "?"}://{(Username is null ? string.Empty : Username + ":***@")}{(Ip.Contains(':', StringComparison.Ordinal) ? $"[{Ip}]" : Ip)}:{Port}";
}
