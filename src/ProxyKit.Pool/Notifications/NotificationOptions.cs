namespace ProxyKit.Pool.Notifications;

/// <summary>Options of pool events and notifiers (section <c>ProxyKit:Pool:Notifications</c>).</summary>
public sealed class NotificationOptions
{
}
