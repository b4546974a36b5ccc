using System.Net;
using Microsoft.Extensions.Logging;

namespace ProxyKit.Windows;

/// <summary>ProxyKit.Windows log messages; event ids 7000-7099.</summary>
internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Debug, "Assigned {Address} to '{Interface}'; duplicate address detection took {Elapsed}")]
    public static partial void AddressAssigned(ILogger logger, IPAddress address, string @interface, TimeSpan elapsed);

    [LoggerMessage(7001, LogLevel.Warning, "{Address} on '{Interface}' is in use elsewhere on the link (duplicate address detection); it was removed")]
    public static partial void DuplicateAddressDetected(ILogger logger, IPAddress address, string @interface);

    [LoggerMessage(7002, LogLevel.Warning, "{Address} on '{Interface}' stayed tentative for {Timeout}; it was removed")]
    public static partial void DuplicateAddressDetectionTimedOut(ILogger logger, IPAddress address, string @interface, TimeSpan timeout);

    [LoggerMessage(7003, LogLevel.Information, "{Address} had expired from '{Interface}' before its renewal; it was assigned again")]
    public static partial void AddressReassigned(ILogger logger, IPAddress address, string @interface);

    [LoggerMessage(7010, LogLevel.Debug, "No outbound firewall rule needed: no enabled firewall profile blocks outbound traffic by default ({Profiles})")]
    public static partial void FirewallRuleNotNeeded(ILogger logger, string profiles);

    [LoggerMessage(7011, LogLevel.Information, "Created the outbound firewall rule 'Allow IPv6 Outbound Proxy' for {Program}")]
    public static partial void FirewallRuleCreated(ILogger logger, string program);

    [LoggerMessage(7012, LogLevel.Debug, "The outbound firewall rule 'Allow IPv6 Outbound Proxy' for {Program} already exists")]
    public static partial void FirewallRulePresent(ILogger logger, string program);

    [LoggerMessage(7013, LogLevel.Error, "Could not check or create the outbound firewall rule (ProxyKit:Windows:ManageFirewallRule); outbound proxy traffic may be blocked")]
    public static partial void FirewallRuleFailed(ILogger logger, Exception exception);
}
