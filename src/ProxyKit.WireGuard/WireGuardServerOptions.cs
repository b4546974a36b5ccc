namespace ProxyKit.WireGuard;

/// <summary>One VPN server keys are allocated on (an item of <c>ProxyKit:WireGuard:Servers</c>).</summary>
public sealed class WireGuardServerOptions
{
    /// <summary>Gets or sets the address clients connect to (the seed's <c>server_ip</c>; also the server's id). Required.</summary>
    public string? PublicIp { get; set; }

    /// <summary>Gets or sets the UDP port the interface listens on. Defaults to 55555 (the seed).</summary>
    public int Port { get; set; } = 55555;

    /// <summary>
    /// Gets or sets the server's private key (base64). A secret. When not set, ProxyKit generates one on first start and
    /// keeps it sealed in the database, so restarts keep the same key.
    /// </summary>
    public string? PrivateKey { get; set; }

    /// <summary>Gets or sets the WireGuard interface on this host that serves the server (for example <c>wg0</c>); none to manage no interface.</summary>
    public string? Interface { get; set; }

    /// <summary>Gets or sets whether ProxyKit sets the interface's private key and listen port at start. Defaults to <see langword="true"/>.</summary>
    public bool ManageInterface { get; set; } = true;

    /// <summary>Gets or sets the tunnel subnet; the server is its first address, clients get the next ones. Defaults to 10.8.0.0/24.</summary>
    public string Subnet { get; set; } = "10.8.0.0/24";

    /// <summary>Gets or sets how many keys may be in use at once; 0 (the default) for every client address the subnet has.</summary>
    public int Capacity { get; set; }

    /// <summary>Gets the DNS servers written into client configurations. Defaults to 1.1.1.1 and 8.8.8.8 (the seed).</summary>
    public IList<string> Dns { get; } = [];

    /// <summary>Gets the client configurations' <c>AllowedIPs</c>. Defaults to 0.0.0.0/0 (everything through the tunnel).</summary>
    public IList<string> AllowedIps { get; } = [];
}
