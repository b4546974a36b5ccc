namespace ProxyKit.Pool.Sessions;

/// <summary>Error codes of the session proxy operations (the seed's lower-case style).</summary>
public static class SessionProxyErrorCodes
{
    /// <summary>A field is missing or invalid (HTTP 400).</summary>
    public const string ValidationError = "validation_error";

    /// <summary>The request is malformed (HTTP 400).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>A proxy with the same ip and port exists (HTTP 409).</summary>
    public const string DuplicateProxy = "duplicate_proxy";

    /// <summary>The session cookie is already bound to a proxy (HTTP 409).</summary>
    public const string DuplicateSession = "duplicate_session";

    /// <summary>The proxy already carries as many sessions as allowed (HTTP 409).</summary>
    public const string SessionLimit = "session_limit";

    /// <summary>The session is disabled (HTTP 409).</summary>
    public const string SessionDisabled = "session_disabled";

    /// <summary>The proxy does not exist (HTTP 404).</summary>
    public const string NotFound = "not_found";

    /// <summary>No proxy may take a request now: disabled, cooling down, at its in-flight cap or hourly limit (HTTP 503 with Retry-After).</summary>
    public const string NoProxyAvailable = "no_proxy_available";

    /// <summary>The database failed (HTTP 500, or 503 when it is unreachable).</summary>
    public const string DatabaseError = "database_error";
}
