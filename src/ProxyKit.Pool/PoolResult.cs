namespace ProxyKit.Pool;

/// <summary>The outcome of a pool operation that can fail for an expected reason (bad input, not found, nothing matched).</summary>
/// <typeparam name="T">The value of a success.</typeparam>
public sealed class PoolResult<T>
{
    internal PoolResult(T? value, ProxyKitError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>Gets the value of a success.</summary>
    public T? Value { get; }

    /// <summary>Gets why the operation failed, or <see langword="null"/> on success.</summary>
    public ProxyKitError? Error { get; }

    /// <summary>Gets whether the operation succeeded.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>Creates <see cref="PoolResult{T}"/>s.</summary>
public static class PoolResult
{
    /// <summary>A success.</summary>
    public static PoolResult<T> Success<T>(T value) => new(value, null);

    /// <summary>A failure.</summary>
    public static PoolResult<T> Failure<T>(ProxyKitError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));

    /// <summary>A failure from a code, message and details.</summary>
    public static PoolResult<T> Failure<T>(string code, string message, IReadOnlyDictionary<string, object?>? details = null) =>
        new(default, new ProxyKitError(code, message, details));
}

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
