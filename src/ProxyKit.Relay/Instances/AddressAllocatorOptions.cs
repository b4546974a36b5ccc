namespace ProxyKit.Relay.Instances;

/// <summary>How <see cref="IIPv6AddressAllocator"/> hands out addresses (configured with <c>AddAddressAllocator(o => ...)</c>).</summary>
public sealed class AddressAllocatorOptions
{
    /// <summary>
    /// Gets or sets whether, in a prefix shorter than /64 (a routed /48 or /56), every allocation takes a /64 no
    /// earlier allocation used, so a block list that bans a whole /64 hits one instance only. Defaults to
    /// <see langword="true"/>. Ignored for /64 and longer prefixes.
    /// </summary>
    public bool DistinctSubnetPerAddress { get; set; } = true;

    /// <summary>
    /// Gets or sets how long a released address rests before it may be handed out again. Addresses are recycled only
    /// once every never-used address of the prefix is gone (for a /64, never in practice); the oldest released address
    /// that has rested this long comes first. Defaults to 7 days.
    /// </summary>
    public TimeSpan Quarantine { get; set; } = TimeSpan.FromDays(7);
}
