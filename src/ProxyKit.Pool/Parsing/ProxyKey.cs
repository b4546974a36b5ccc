namespace ProxyKit.Pool.Parsing;

/// <summary>
/// The duplicate key of contract rule 5 (protocol, ip, port, username, password), in 32 bytes and without references:
/// the address as a number and every string as a <see cref="ProxyStringTable"/> id. Two keys are equal exactly when
/// the <see cref="ParsedProxy"/> records they stand for are equal.
/// </summary>
internal readonly struct ProxyKey(ProxyAddress address, int port, int protocol, int username, int password) : IEquatable<ProxyKey>
{
    private readonly ulong _addressHigh = (ulong)(address.Value >> 64);
    private readonly ulong _addressLow = (ulong)address.Value;
    private readonly ProxyAddressKind _kind = address.Kind;
    private readonly int _port = port;
    private readonly int _protocol = protocol;
    private readonly int _username = username;
    private readonly int _password = password;

    public ProxyAddress Address => new(_kind, new UInt128(_addressHigh, _addressLow));

    public int Port => _port;

    /// <summary>Gets the protocol's string id, -1 for none.</summary>
    public int Protocol => _protocol;

    /// <summary>Gets the username's string id, -1 for none.</summary>
    public int Username => _username;

    /// <summary>Gets the password's string id, -1 for none.</summary>
    public int Password => _password;

    public bool Equals(ProxyKey other) =>
        _addressLow == other._addressLow && _addressHigh == other._addressHigh && _port == other._port && _kind == other._kind
        && _protocol == other._protocol && _username == other._username && _password == other._password;

    public override bool Equals(object? obj) => obj is ProxyKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_addressLow, _addressHigh, _port | ((int)_kind << 16), _protocol, _username, _password);
}
