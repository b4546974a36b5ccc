namespace ProxyKit.Relay.Listeners;

/// <summary>Why a client connection ended without a tunnel; counted per listener.</summary>
public enum RelayFailureReason
{
    /// <summary>The client did not finish its handshake in time.</summary>
    HandshakeTimeout,

    /// <summary>The handshake was malformed, unsupported or too large.</summary>
    BadHandshake,

    /// <summary>Wrong or missing credentials.</summary>
    AuthenticationFailed,

    /// <summary>The listener was at its connection limit.</summary>
    ConnectionLimit,

    /// <summary>The destination or its address family is not allowed.</summary>
    NotAllowed,

    /// <summary>The name did not resolve to a permitted address.</summary>
    NameNotResolved,

    /// <summary>The destination was unreachable or refused.</summary>
    Unreachable,

    /// <summary>Connecting upstream timed out.</summary>
    ConnectTimeout,

    /// <summary>Any other upstream failure.</summary>
    UpstreamError,
}
