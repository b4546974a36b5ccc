namespace ProxyKit.Windows;

/// <summary>Options of ProxyKit.Windows (section <c>ProxyKit:Windows</c>).</summary>
public sealed class WindowsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:Windows";

    /// <summary>Gets or sets how long to wait for a new address to leave the Tentative state (duplicate address detection) before giving up on it. Defaults to 5 seconds.</summary>
    public TimeSpan DuplicateAddressDetectionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the valid (and preferred) lifetime given to each address, renewed while its instance lives, so a crash
    /// leaves nothing behind for long. Must be at least <c>ProxyKit:Instances:AddressLifetime</c>, whose schedule the
    /// renewals follow (checked at start). Defaults to 10 minutes.
    /// </summary>
    public TimeSpan AddressLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets whether to add the seed's outbound firewall rule ("Allow IPv6 Outbound Proxy" for this process's
    /// executable) once at start. It is added only when an enabled firewall profile blocks outbound traffic by default
    /// (Windows allows it by default) and needs Administrator rights. Defaults to <see langword="false"/>.
    /// </summary>
    public bool ManageFirewallRule { get; set; }
}
