namespace ProxyKit.Pool;

/// <summary>Error codes pool operations return (the seed's upper-case style).</summary>
public static class PoolErrorCodes
{
    /// <summary>The request is malformed or a field is invalid (HTTP 400).</summary>
    public const string InvalidRequest = "INVALID_REQUEST";

    /// <summary>A cursor was altered, belongs to another query or expired (HTTP 400).</summary>
    public const string InvalidCursor = "INVALID_CURSOR";

    /// <summary>The source or proxy does not exist (HTTP 404).</summary>
    public const string NotFound = "NOT_FOUND";

    /// <summary>The named parser is not registered (HTTP 422).</summary>
    public const string UnknownParser = "UNKNOWN_PARSER";

    /// <summary>No registered parser supports the source's content (HTTP 422).</summary>
    public const string UnsupportedContent = "UNSUPPORTED_CONTENT";

    /// <summary>The source could not be fetched (HTTP 422 when creating a source, 502 when scraping).</summary>
    public const string SourceFetchFailed = "SOURCE_FETCH_FAILED";

    /// <summary>Another worker is scraping the source right now (HTTP 409).</summary>
    public const string ScrapeInProgress = "SCRAPE_IN_PROGRESS";
}
