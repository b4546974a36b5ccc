namespace ProxyKit.Pool.Fetching;

/// <summary>
/// Downloading a proxy source failed. The message is safe to show an API user and to log: it never contains the
/// URL's user information or query string values (which often carry API tokens).
/// </summary>
public sealed class SourceFetchException : ProxyKitException
{
    /// <summary>Creates an exception.</summary>
    /// <param name="kind">Why the fetch failed.</param>
    /// <param name="message">A message without URL secrets.</param>
    /// <param name="statusCode">The HTTP status the source answered with, for <see cref="SourceFetchFailure.HttpStatus"/>.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public SourceFetchException(SourceFetchFailure kind, string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException, IsTransientFailure(kind, statusCode))
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    /// <summary>Gets why the fetch failed.</summary>
    public SourceFetchFailure Kind { get; }

    /// <summary>Gets the HTTP status code the source answered with (for <see cref="SourceFetchFailure.HttpStatus"/>), else <see langword="null"/>.</summary>
    public int? StatusCode { get; }

    private static bool IsTransientFailure(SourceFetchFailure kind, int? statusCode) => kind switch
    {
        SourceFetchFailure.Timeout or SourceFetchFailure.Network or SourceFetchFailure.CircuitOpen => true,
        SourceFetchFailure.HttpStatus => statusCode is { } status && IsTransientStatus(status),
        _ => false,
    };

    internal static bool IsTransientStatus(int status) => status >= 500 || status is 408 or 429;
}
