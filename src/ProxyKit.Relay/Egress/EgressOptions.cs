using System.Net;

namespace ProxyKit.Relay.Egress;

/// <summary>Where a listener's upstream connections come from.</summary>
public sealed class EgressOptions
{
    /// <summary>
    /// Gets or sets the one source address of every upstream connection ("sticky" egress, the seed's model).
    /// <see langword="null"/> lets the OS choose. Mutually exclusive with <see cref="RotatingPrefix"/>.
    /// </summary>
    public IPAddress? Address { get; set; }

    /// <summary>
    /// Gets or sets a prefix from which every upstream connection takes a fresh random source address
    /// ("rotating" egress). Needs the prefix routed to this host (AnyIP: <c>ip -6 route add local PREFIX dev lo</c>)
    /// and Linux <c>IPV6_FREEBIND</c>. Mutually exclusive with <see cref="Address"/>.
    /// </summary>
    public IPNetwork? RotatingPrefix { get; set; }

    /// <summary>
    /// Gets or sets whether the sticky <see cref="Address"/> is bound with Linux <c>IPV6_FREEBIND</c>, as AnyIP needs: its
    /// addresses are reachable through a <c>local</c> route but are not configured on any interface. Defaults to
    /// <see langword="false"/> (a sticky address must exist, so a mistake fails at bind time). Rotating egress always uses it.
    /// </summary>
    public bool FreeBind { get; set; }

    /// <summary>Gets or sets which address families targets may be reached over. Defaults to <see cref="EgressAddressPolicy.IPv6Only"/>.</summary>
    public EgressAddressPolicy Policy { get; set; } = EgressAddressPolicy.IPv6Only;

    /// <summary>Gets or sets the delay before the next address of a name is tried while earlier attempts are still pending (RFC 8305). Defaults to 250 ms.</summary>
    public TimeSpan ConnectAttemptDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}
