namespace ProxyKit.WireGuard;

/// <summary>Options of ProxyKit.WireGuard (section <c>ProxyKit:WireGuard</c>).</summary>
public sealed class WireGuardOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:WireGuard";

    /// <summary>Gets or sets how long after a client's last handshake its key is released automatically. Defaults to 10 minutes (the seed).</summary>
    public TimeSpan AutoReleaseAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the <c>PersistentKeepalive</c> written into client configurations. Defaults to 25 seconds.</summary>
    public int PersistentKeepaliveSeconds { get; set; } = 25;

    /// <summary>Gets or sets whether the server keeps a client's private key after returning it once. Defaults to <see langword="false"/>: a leaked database then exposes no client keys.</summary>
    public bool KeepClientPrivateKeys { get; set; }
}
