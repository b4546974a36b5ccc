using Microsoft.Extensions.Logging;

namespace ProxyKit.Relay;

/// <summary>ProxyKit.Relay log messages; event ids 2000-2099. Credentials are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "Relay listener {Name} ({Protocol}) listening on {EndPoint}")]
    public static partial void ListenerStarted(ILogger logger, string name, Listeners.RelayProtocol protocol, System.Net.EndPoint? endPoint);

    [LoggerMessage(2001, LogLevel.Information, "Relay listener {Name} stopped; {Closed} connections were closed after the drain deadline")]
    public static partial void ListenerStopped(ILogger logger, string name, int closed);

    [LoggerMessage(2002, LogLevel.Warning, "Relay listener {Name}: accepting failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(2003, LogLevel.Debug, "Relay listener {Name}: connection to {Target} failed: {Error}")]
    public static partial void UpstreamFailed(ILogger logger, string name, string target, Egress.OutboundError error);

    [LoggerMessage(2004, LogLevel.Error, "Relay listener {Name}: unexpected failure in a client connection")]
    public static partial void ConnectionCrashed(ILogger logger, Exception exception, string name);

    [LoggerMessage(2005, LogLevel.Warning, "Relay listener {Name}: the ConnectionClosed callback threw")]
    public static partial void ConnectionReportFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(2010, LogLevel.Information, "Proxy instances restored: {Count} live")]
    public static partial void InstancesRestored(ILogger logger, int count);

    [LoggerMessage(2011, LogLevel.Error, "Proxy instance maintenance failed (restore, expiry or address renewal); retrying on the next tick")]
    public static partial void InstanceMaintenanceFailed(ILogger logger, Exception exception);
}
