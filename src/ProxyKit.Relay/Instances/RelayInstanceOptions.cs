namespace ProxyKit.Relay.Instances;

/// <summary>Options of proxy instances (section <c>ProxyKit:Instances</c> in the sample server).</summary>
public sealed class RelayInstanceOptions
{
    /// <summary>Gets the IPv6 prefix to allocate from, per interface name (e.g. <c>"eth0": "2001:db8:1:2::/64"</c>).</summary>
    public Dictionary<string, string> Prefixes { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets how addresses are put on interfaces: <see cref="InstanceAddressAssigner.Linux"/> (the <c>ip</c> command;
    /// the default on Linux; needs CAP_NET_ADMIN) or <see cref="InstanceAddressAssigner.AnyIp"/> (one local route per
    /// configured prefix; the prefix must be routed to this host) or <see cref="InstanceAddressAssigner.None"/> (the addresses
    /// already work on this host). Another <c>IAddressAssigner</c> registered in DI wins over both.
    /// </summary>
    public InstanceAddressAssigner Assigner { get; set; } = InstanceAddressAssigner.Linux;

    /// <summary>Gets or sets how long an assigned address lives unless renewed (renewed every third of it). Defaults to 10 minutes.</summary>
    public TimeSpan AddressLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how often expired temporary instances are removed. Defaults to 30 seconds.</summary>
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many recent entries (connections, lifecycle events) each instance's log keeps in memory; 0 turns logs off. Defaults to 100.</summary>
    public int LogCapacity { get; set; } = 100;

    /// <summary>Gets or sets the longest TTL a temporary instance may ask for. Defaults to 7 days.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>The built-in ways to put instance addresses on interfaces.</summary>
public enum InstanceAddressAssigner
{
    /// <summary>Linux <c>ip -6 addr add ... nodad valid_lft ...</c> (<see cref="Addressing.LinuxIpCommandAssigner"/>).</summary>
    Linux,

    /// <summary>Nothing to do: the addresses are already usable (<see cref="Addressing.NullAddressAssigner"/>).</summary>
    None,

    /// <summary>Linux AnyIP: one <c>local</c> route per configured prefix on <c>lo</c>, no per-address work (<see cref="Addressing.LinuxAnyIpAssigner"/>).</summary>
    AnyIp,
}
