namespace ProxyKit.Relay.Egress;

/// <summary>Why an upstream connection was not made; each maps to a SOCKS5 reply code and an HTTP status.</summary>
public enum OutboundError
{
    /// <summary>Connected.</summary>
    None,

    /// <summary>The destination or port is refused by the <see cref="DestinationPolicy"/> (SOCKS 0x02, HTTP 403).</summary>
    DestinationDenied,

    /// <summary>A literal address of a family the <see cref="EgressAddressPolicy"/> forbids, e.g. IPv4 under IPv6-only (SOCKS 0x08, HTTP 403).</summary>
    AddressTypeNotAllowed,

    /// <summary>The name has no address of a permitted family (no AAAA record under IPv6-only) or does not exist (SOCKS 0x04, HTTP 502 <c>dns_error</c>).</summary>
    NameNotResolved,

    /// <summary>No route to the destination network (SOCKS 0x03, HTTP 502).</summary>
    NetworkUnreachable,

    /// <summary>The destination host did not answer (SOCKS 0x04, HTTP 502).</summary>
    HostUnreachable,

    /// <summary>The destination refused the connection (SOCKS 0x05, HTTP 502 <c>connection_refused</c>).</summary>
    ConnectionRefused,

    /// <summary>Connecting took longer than the connect timeout (SOCKS 0x06, HTTP 504).</summary>
    TimedOut,

    /// <summary>Any other failure, including the egress address not being available on this host (SOCKS 0x01, HTTP 502).</summary>
    General,
}
