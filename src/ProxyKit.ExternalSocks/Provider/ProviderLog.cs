using Microsoft.Extensions.Logging;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>External provider client log messages; event ids 7050-7099 (the shop uses 7000-7049). API tokens and proxy passwords are never logged.</summary>
internal static partial class ProviderLog
{
    [LoggerMessage(7050, LogLevel.Warning, "ExternalSocks provider '{Provider}': retrying {Method} {Path} (retry {Attempt}) in {DelayMs} ms after {Outcome}")]
    public static partial void Retrying(ILogger logger, string provider, string method, string path, int attempt, long delayMs, string outcome);

    [LoggerMessage(7051, LogLevel.Warning, "ExternalSocks provider '{Provider}': circuit opened for {BreakSeconds} s after {Outcome}")]
    public static partial void CircuitOpened(ILogger logger, string provider, double breakSeconds, string outcome);

    [LoggerMessage(7052, LogLevel.Information, "ExternalSocks provider '{Provider}': circuit closed")]
    public static partial void CircuitClosed(ILogger logger, string provider);

    [LoggerMessage(7053, LogLevel.Warning, "ExternalSocks provider '{Provider}': {Operation} failed ({Kind}): {Reason}")]
    public static partial void CallFailed(ILogger logger, string provider, string operation, ProviderErrorKind kind, string reason);

    [LoggerMessage(7054, LogLevel.Information, "ExternalSocks provider '{Provider}': bought proxy {ProxyId} as credentials {CredentialsId}")]
    public static partial void Bought(ILogger logger, string provider, long proxyId, long credentialsId);
}
