using System.Globalization;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ProxyKit.Pool.Fetching;

/// <summary>Creates every <see cref="SourceFetchException"/>; messages name the URL only through <see cref="UrlRedaction"/>.</summary>
internal static class FetchErrors
{
    private const string Section = "ProxyKit:Pool:Fetch:";

    public static SourceFetchException InvalidUrl(Uri url) => new(
        SourceFetchFailure.InvalidUrl,
        url.IsAbsoluteUri
            ? $"Source URL {UrlRedaction.ForDisplay(url)} cannot be fetched: only absolute http and https URLs with a host are supported."
            : "Source URL cannot be fetched: it is relative; only absolute http and https URLs are supported.");

    public static SourceFetchException Status(string url, int status) => new(
        SourceFetchFailure.HttpStatus,
        $"Source {url} answered HTTP {status.ToString(CultureInfo.InvariantCulture)}.",
        status);

    public static SourceFetchException DeclaredTooLarge(string url, long declared, long max) => new(
        SourceFetchFailure.TooLarge,
        $"Source {url} declares a body of {declared.ToString(CultureInfo.InvariantCulture)} bytes, more than {Section}MaxResponseBytes ({max.ToString(CultureInfo.InvariantCulture)}).");

    public static SourceFetchException TooLarge(string url, long max) => new(
        SourceFetchFailure.TooLarge,
        $"Source {url} sent more than {Section}MaxResponseBytes ({max.ToString(CultureInfo.InvariantCulture)} bytes); the download was stopped.");

    public static SourceFetchException TotalTimeout(string url, TimeSpan total, Exception? inner) => new(
        SourceFetchFailure.Timeout,
        $"Fetching source {url} took longer than {Section}TotalTimeout ({total}).",
        innerException: inner);

    public static SourceFetchException CircuitOpen(string url, BrokenCircuitException inner) => new(
        SourceFetchFailure.CircuitOpen,
        $"Source {url} was not fetched: its host failed repeatedly and is paused"
            + (inner.RetryAfter is { } after ? $" for another {Math.Ceiling(after.TotalSeconds).ToString(CultureInfo.InvariantCulture)} s." : "."),
        innerException: inner);

    public static SourceFetchException BodyNetwork(string url, Exception inner) => new(
        SourceFetchFailure.Network,
        $"The connection to source {url} failed while its body was read.",
        innerException: inner);

    /// <summary>
    /// Maps what sending a source request threw; <see langword="null"/> when it is not a fetch failure (a bug, or the
    /// caller's cancellation). <paramref name="totalTimeoutElapsed"/> says whether the fetch's whole budget is spent: an
    /// attempt timeout that fires at the same moment is then reported as the total timeout it really is.
    /// </summary>
    public static SourceFetchException? FromSendFailure(Exception exception, string url, SourceFetchOptions options, bool totalTimeoutElapsed) => exception switch
    {
        TimeoutRejectedException timeout when !totalTimeoutElapsed && timeout.Timeout == options.AttemptTimeout && timeout.Timeout != options.TotalTimeout => new(
            SourceFetchFailure.Timeout,
            $"Source {url} did not answer within {Section}AttemptTimeout ({options.AttemptTimeout}) on its last attempt ({(options.MaxRetries + 1).ToString(CultureInfo.InvariantCulture)} allowed).",
            innerException: timeout),
        TimeoutRejectedException timeout => TotalTimeout(url, options.TotalTimeout, timeout),
        BrokenCircuitException broken => CircuitOpen(url, broken),
        HttpRequestException http when FindRefusal(http) is { } refused => new(
            SourceFetchFailure.Refused,
            $"Source {url} was refused: {refused.Host} resolves only to loopback, private or otherwise internal addresses, and {Section}AllowPrivateAddresses is off.",
            innerException: refused),
        HttpRequestException http => new(
            SourceFetchFailure.Network,
            $"Source {url} could not be fetched: {Describe(http)}.",
            innerException: http),
        _ => null,
    };

    public static bool IsRefusal(HttpRequestException exception) => FindRefusal(exception) is not null;

    /// <summary>Describes a network failure by its category, never by a message that might quote the URL.</summary>
    public static string Describe(HttpRequestException exception) => exception.HttpRequestError switch
    {
        HttpRequestError.NameResolutionError => "its host name could not be resolved",
        HttpRequestError.ConnectionError => "the connection failed",
        HttpRequestError.SecureConnectionError => "the TLS handshake failed",
        HttpRequestError.ResponseEnded => "the connection closed before a complete response",
        HttpRequestError.InvalidResponse => "the response was not valid HTTP",
        HttpRequestError.ConfigurationLimitExceeded => "the response exceeded a protocol limit (headers too large or too many redirects)",
        HttpRequestError.ProxyTunnelError => "the proxy tunnel failed",
        HttpRequestError.HttpProtocolError => "an HTTP protocol error occurred",
        HttpRequestError.VersionNegotiationError => "no common HTTP version",
        _ => "a network error occurred",
    };

    private static DestinationRefusedException? FindRefusal(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is DestinationRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
