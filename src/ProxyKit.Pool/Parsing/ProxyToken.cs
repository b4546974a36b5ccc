namespace ProxyKit.Pool.Parsing;

/// <summary>
/// One token as the plain-text grammar found it, its text still in the line: the parser hands it to
/// <see cref="ProxyParseContext"/> without allocating, and strings are made only for a proxy kept, or on request.
/// </summary>
internal readonly ref struct ProxyToken
{
    public ProxyToken(ProxyAddress address, int port, int protocol, ReadOnlySpan<char> username, ReadOnlySpan<char> password, bool escaped)
    {
        Address = address;
        Port = port;
        Protocol = protocol;
        Username = username;
        Password = password;
        Escaped = escaped;
    }

    public ProxyAddress Address { get; }

    public int Port { get; }

    /// <summary>Gets the protocol as an index into <see cref="ProxyFields.ProtocolNames"/>, -1 when the token states none.</summary>
    public int Protocol { get; }

    /// <summary>Gets the username as written (never empty when there are credentials), empty when there are none.</summary>
    public ReadOnlySpan<char> Username { get; }

    /// <summary>Gets the password as written, empty when there are no credentials.</summary>
    public ReadOnlySpan<char> Password { get; }

    public bool HasCredentials => !Username.IsEmpty;

    /// <summary>Gets whether the credentials are a scheme URL's userinfo, hence percent-encoded (colon-form credentials are verbatim).</summary>
    public bool Escaped { get; }

    public ParsedProxy ToParsedProxy() => new(
        Address.ToString(),
        Port,
        Protocol < 0 ? null : ProxyFields.ProtocolNames[Protocol],
        HasCredentials ? Text(Username) : null,
        HasCredentials ? Text(Password) : null);

    private string Text(ReadOnlySpan<char> value) => Escaped ? Uri.UnescapeDataString(value) : value.ToString();
}
