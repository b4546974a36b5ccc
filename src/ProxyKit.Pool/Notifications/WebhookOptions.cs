namespace ProxyKit.Pool.Notifications;

/// <summary>
/// One webhook of the built-in <c>webhook</c> notifier: events are POSTed as JSON <c>{id, type, occurred_at, data}</c>,
/// signed with <c>X-ProxyKit-Signature: sha256=&lt;hex HMAC-SHA256 of the body keyed by <see cref="Secret"/>&gt;</c>.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Gets or sets the unique name (letters, digits, <c>-</c> and <c>_</c>) shown in logs. Required.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the absolute <c>http</c> or <c>https</c> URL to POST to. Required. Use <c>https</c>: over plain <c>http</c>
    /// the event data can be read (though not forged) on the way. Logged without user information or query.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Gets or sets the shared secret receivers verify <c>X-ProxyKit-Signature</c> with; at least 16 characters. Required.
    /// Never logged and never sent; whoever knows it can forge events.
    /// </summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>Gets or sets the event type patterns posted (<c>*</c> matches any run of characters). Defaults to <c>["*"]</c>.</summary>
    public IList<string> Subscriptions { get; set; } = ["*"];

    /// <summary>
    /// Gets or sets how many times one event is attempted (1 to 10): 5xx, 408, 429 and network errors are retried with
    /// exponential back-off and jitter; other answers are final. Defaults to 5.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the timeout of one attempt. Defaults to 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the delay before the first retry; each further retry doubles it (plus up to 50% jitter, capped at 1 minute). Defaults to 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    public override string ToString() => $"Webhook {Name} (secret redacted)";
}
