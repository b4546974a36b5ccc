namespace ProxyKit.WireGuard;

/// <summary>Options of ProxyKit.WireGuard (section <c>ProxyKit:WireGuard</c>).</summary>
public sealed class WireGuardOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:WireGuard";

    /// <summary>Gets the VPN servers keys are allocated on (section <c>ProxyKit:WireGuard:Servers</c>, a list).</summary>
    public IList<WireGuardServerOptions> Servers { get; } = [];

    /// <summary>
    /// Gets or sets how long a key may go unused before it is released automatically. Defaults to 10 minutes (the seed).
    /// In <see cref="WireGuardAutoRelease.WhenIdle"/> mode "unused" is measured from the latest of allocation, last
    /// handshake and last traffic from the client, so it must be well above <see cref="PersistentKeepaliveSeconds"/>.
    /// </summary>
    public TimeSpan AutoReleaseAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets what <see cref="AutoReleaseAfter"/> is measured from. Defaults to <see cref="WireGuardAutoRelease.WhenIdle"/>.</summary>
    public WireGuardAutoRelease AutoRelease { get; set; } = WireGuardAutoRelease.WhenIdle;

    /// <summary>Gets or sets the <c>PersistentKeepalive</c> written into client configurations. Defaults to 25 seconds.</summary>
    public int PersistentKeepaliveSeconds { get; set; } = 25;

    /// <summary>Gets or sets how often interfaces are read (handshakes, traffic), idle keys released and drift repaired. Defaults to 30 seconds.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a released address rests before it is handed out again. Addresses are always reused least
    /// recently released first (never-used ones before any); a quarantine also holds a just-released address back, so a
    /// server whose only free addresses are resting answers "No available VPN keys" (and counts them as unavailable)
    /// until one has rested. Defaults to zero: keys stay available, as in the seed.
    /// </summary>
    public TimeSpan AddressQuarantine { get; set; }

    /// <summary>Gets or sets whether the server keeps a client's private key after returning it once (sealed). Defaults to <see langword="false"/>: a leaked database then exposes no client keys.</summary>
    public bool KeepClientPrivateKeys { get; set; }

    /// <summary>Gets or sets how many keys one client may hold at once; 0 (the default) for no limit.</summary>
    public int MaxKeysPerClient { get; set; }

    /// <summary>
    /// Gets or sets whether a client that already holds a key gets that key back instead of a new one. Needs
    /// <see cref="KeepClientPrivateKeys"/> (the configuration carries the private key). Defaults to <see langword="false"/>.
    /// </summary>
    public bool ReturnExistingKey { get; set; }

    /// <summary>Gets or sets how peers reach the servers' interfaces. Defaults to <see cref="WireGuardPeerSyncKind.Uapi"/>.</summary>
    public WireGuardPeerSyncKind PeerSync { get; set; } = WireGuardPeerSyncKind.Uapi;

    /// <summary>Gets or sets where the userspace implementation's control sockets live. Defaults to <c>/var/run/wireguard</c>.</summary>
    public string UapiSocketDirectory { get; set; } = "/var/run/wireguard";

    /// <summary>Gets or sets the <c>wg</c> binary used by <see cref="WireGuardPeerSyncKind.WgCommand"/>. Defaults to <c>wg</c> (found on PATH).</summary>
    public string WgCommand { get; set; } = "wg";
}

/// <summary>What an automatic release is measured from.</summary>
public enum WireGuardAutoRelease
{
    /// <summary>The latest of allocation, last handshake and last traffic from the client (the client went away).</summary>
    WhenIdle,

    /// <summary>Allocation only: every key lives <see cref="WireGuardOptions.AutoReleaseAfter"/>, used or not.</summary>
    AfterAllocation,

    /// <summary>Never: keys are released only on request.</summary>
    Never,
}

/// <summary>How peers are applied to server interfaces.</summary>
public enum WireGuardPeerSyncKind
{
    /// <summary>The userspace control socket (<c>/var/run/wireguard/&lt;if&gt;.sock</c>), as wireguard-go and boringtun offer.</summary>
    Uapi,

    /// <summary>The <c>wg</c> command (kernel or userspace interfaces).</summary>
    WgCommand,

    /// <summary>In memory only (tests, demos, hosts where another system configures the interface).</summary>
    InMemory,
}
