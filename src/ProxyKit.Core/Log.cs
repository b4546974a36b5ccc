using Microsoft.Extensions.Logging;

namespace ProxyKit;

/// <summary>ProxyKit.Core log messages; event ids 1000-1099.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Applied migration {Module}/{Version} ({Description}) on {Engine}")]
    public static partial void MigrationApplied(ILogger logger, string module, int version, string description, string engine);

    [LoggerMessage(1010, LogLevel.Error, "Event handler for pattern '{Pattern}' failed on topic '{Topic}'")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception, string pattern, string topic);

    [LoggerMessage(1011, LogLevel.Warning, "Event subscription '{Pattern}' dropped {Count} events because its handler fell behind")]
    public static partial void EventsDropped(ILogger logger, string pattern, long count);
}
