namespace ProxyKit.Pool.Notifications;

/// <summary>Options of the built-in <c>log</c> notifier (section <c>ProxyKit:Pool:Notifications:Log</c>).</summary>
public sealed class LogNotifierOptions
{
    /// <summary>Gets or sets whether events are logged (at Information, category <c>ProxyKit.Pool.Notifications.LogNotifier</c>). Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the event type patterns logged (<c>*</c> matches any run of characters). Defaults to <c>["*"]</c> (every event).</summary>
    public IList<string> Subscriptions { get; set; } = ["*"];
}
