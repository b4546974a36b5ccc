namespace ProxyKit.Pool.Fetching;

/// <summary>Why downloading a source failed (<see cref="SourceFetchException.Kind"/>).</summary>
public enum SourceFetchFailure
{
    /// <summary>No answer within <c>AttemptTimeout</c> on the last attempt, or the whole fetch (body included) outlasted <c>TotalTimeout</c>. Transient.</summary>
    Timeout,

    /// <summary>The source answered with a non-success HTTP status (<see cref="SourceFetchException.StatusCode"/>). Transient for 5xx, 408 and 429.</summary>
    HttpStatus,

    /// <summary>The body is larger than <c>MaxResponseBytes</c> (declared by Content-Length, or counted while streaming).</summary>
    TooLarge,

    /// <summary>The circuit breaker for the source's host is open after repeated failures; nothing was sent. Transient.</summary>
    CircuitOpen,

    /// <summary>DNS, connection, TLS or protocol failure, or the connection dropped while the body was read. Transient.</summary>
    Network,

    /// <summary>The host resolves only to loopback, private or otherwise internal addresses and <c>AllowPrivateAddresses</c> is off (SSRF guard).</summary>
    Refused,

    /// <summary>The URL is not an absolute http or https URL.</summary>
    InvalidUrl,
}
