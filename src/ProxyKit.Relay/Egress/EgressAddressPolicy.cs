namespace ProxyKit.Relay.Egress;

/// <summary>Which address families a listener may reach targets over.</summary>
public enum EgressAddressPolicy
{
    /// <summary>IPv6 only (the seed): names resolve to AAAA records only; IPv4 and IPv4-mapped literals are refused. No IPv4 fallback.</summary>
    IPv6Only,

    /// <summary>Both families, IPv6 first.</summary>
    DualStack,

    /// <summary>IPv4 only.</summary>
    IPv4Only,
}
