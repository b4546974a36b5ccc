using Microsoft.Extensions.Logging;

namespace ProxyKit.Pool.Fetching;

/// <summary>Source fetching log messages; event ids 6000-6049. URLs are always redacted (<see cref="UrlRedaction"/>).</summary>
internal static partial class FetchLog
{
    [LoggerMessage(6000, LogLevel.Debug, "Fetching source {Url}")]
    public static partial void Fetching(ILogger logger, string url);

    [LoggerMessage(6001, LogLevel.Debug, "Source {Url} answered HTTP {StatusCode} ({ContentType}) after {ElapsedMilliseconds} ms")]
    public static partial void Answered(ILogger logger, string url, int statusCode, string? contentType, long elapsedMilliseconds);

    [LoggerMessage(6002, LogLevel.Warning, "Retrying source {Url} (retry {Retry} of {MaxRetries}) in {DelayMilliseconds} ms after {Reason}")]
    public static partial void Retrying(ILogger logger, string url, int retry, int maxRetries, long delayMilliseconds, string reason);

    [LoggerMessage(6003, LogLevel.Warning, "Circuit for {Upstream} opened for {BreakDuration} after {Reason}; fetches from it fail at once until then")]
    public static partial void CircuitOpened(ILogger logger, string upstream, TimeSpan breakDuration, string reason);

    [LoggerMessage(6004, LogLevel.Information, "Circuit for {Upstream} is half-open: letting one fetch through")]
    public static partial void CircuitHalfOpened(ILogger logger, string upstream);

    [LoggerMessage(6005, LogLevel.Information, "Circuit for {Upstream} closed")]
    public static partial void CircuitClosed(ILogger logger, string upstream);

    [LoggerMessage(6006, LogLevel.Warning, "Refused to connect to {Host}:{Port}: it resolves only to internal addresses ({Addresses}) and ProxyKit:Pool:Fetch:AllowPrivateAddresses is off")]
    public static partial void DestinationRefused(ILogger logger, string host, int port, string addresses);

    [LoggerMessage(6007, LogLevel.Debug, "Skipped internal address {Address} of {Host}; connecting to its public addresses only")]
    public static partial void InternalAddressSkipped(ILogger logger, string address, string host);

    [LoggerMessage(6008, LogLevel.Debug, "Forgot {Count} idle circuit breakers (more than {Limit} upstream hosts tracked)")]
    public static partial void UpstreamsTrimmed(ILogger logger, int count, int limit);
}
