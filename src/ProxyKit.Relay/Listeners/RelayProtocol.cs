namespace ProxyKit.Relay.Listeners;

/// <summary>What a listener speaks to its clients.</summary>
public enum RelayProtocol
{
    /// <summary>SOCKS5 (RFC 1928) only.</summary>
    Socks5,

    /// <summary>HTTP proxy only: <c>CONNECT</c> tunnels and absolute-form requests.</summary>
    Http,

    /// <summary>Both on one port: a first byte of 0x05 is SOCKS5, anything else HTTP.</summary>
    Mixed,
}
