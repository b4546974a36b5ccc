namespace ProxyKit.Relay.Instances;

/// <summary>Options of proxy instances (section <c>ProxyKit:Relay:Instances</c>).</summary>
public sealed class RelayInstanceOptions
{
    /// <summary>Gets the IPv6 prefix to allocate from, per interface name (e.g. <c>"eth0": "2001:db8:1:2::/64"</c>).</summary>
    public Dictionary<string, string> Prefixes { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets how long an assigned address lives unless renewed (renewed every third of it). Defaults to 10 minutes.</summary>
    public TimeSpan AddressLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets how often expired temporary instances are removed. Defaults to 30 seconds.</summary>
    public TimeSpan ReapInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the longest TTL a temporary instance may ask for. Defaults to 7 days.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);
}
