namespace ProxyKit.Pool.Sessions;

/// <summary>Error codes of the session proxy operations (the seed's lower-case style).</summary>
internal static class SessionProxyErrorCodes
{
    /// <summary>A proxy with the same ip and port exists.</summary>
    public const string DuplicateProxy = "duplicate_proxy";

    /// <summary>The session cookie is already bound to a proxy.</summary>
    public const string DuplicateSession = "duplicate_session";

    /// <summary>The proxy does not exist.</summary>
    public const string NotFound = "not_found";
}
