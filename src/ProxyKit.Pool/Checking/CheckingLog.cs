using Microsoft.Extensions.Logging;

namespace ProxyKit.Pool.Checking;

/// <summary>Proxy checking log messages; event ids 6200-6249. Never logs proxy passwords.</summary>
internal static partial class CheckingLog
{
    [LoggerMessage(6200, LogLevel.Debug, "Checked {Proxy}: {Result} after {CheckCount} checks")]
    public static partial void Checked(ILogger logger, string proxy, string result, int checkCount);

    [LoggerMessage(6201, LogLevel.Warning, "Checker {Checker} threw while checking {Proxy}; recorded as a failed check")]
    public static partial void CheckerThrew(ILogger logger, Exception exception, string checker, string proxy);

    [LoggerMessage(6202, LogLevel.Debug, "Checker {Checker} timed out after {TimeoutMilliseconds} ms checking {Proxy}")]
    public static partial void CheckerTimedOut(ILogger logger, string checker, long timeoutMilliseconds, string proxy);

    [LoggerMessage(6203, LogLevel.Warning, "Judge {Judge} did not answer a direct request ({Reason}); anonymity checks against it fail until it does")]
    public static partial void JudgeUnavailable(ILogger logger, string judge, string reason);

    [LoggerMessage(6204, LogLevel.Information, "Loaded {Count} IP ranges from geo database {Path}")]
    public static partial void GeoDatabaseLoaded(ILogger logger, string path, int count);

    [LoggerMessage(6205, LogLevel.Debug, "Judge {Judge} baseline: sees this host as {Address} with {HeaderCount} headers")]
    public static partial void JudgeBaseline(ILogger logger, string judge, string? address, int headerCount);
}
