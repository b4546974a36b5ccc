namespace ProxyKit.Accounts;

/// <summary>Options of ProxyKit.Accounts (section <c>ProxyKit:Accounts</c>).</summary>
public sealed class AccountsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:Accounts";

    /// <summary>
    /// Gets or sets the administrator API key that may call admin endpoints (granting credits, provider sync).
    /// At least 32 characters; <see langword="null"/> (the default) disables admin access. Keep it in a secret store
    /// or an environment variable, never in a committed file.
    /// </summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Gets or sets how long a verified API key is cached before it is checked against the store again. Revocations invalidate the cache at once through the event bus. Defaults to 1 minute.</summary>
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets whether charges go through a single-writer batcher that settles many per transaction (the default)
    /// rather than one conditional update each. Both never overdraw; batching keeps a hot account fast.
    /// </summary>
    public bool BatchCharges { get; set; } = true;

    /// <summary>Gets or sets how often pending holds past their deadline are voided. Defaults to 30 seconds.</summary>
    public TimeSpan HoldReapInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many accounts one client IP may register per hour. Defaults to 10.</summary>
    public int RegistrationsPerHourPerIp { get; set; } = 10;
}
