using System.Net;

namespace ProxyKit.Relay.Instances;

/// <summary>What an instance serves: one HTTP listener, one SOCKS5 listener, or both (two ports).</summary>
public enum RelayInstanceType
{
    /// <summary>An HTTP proxy listener.</summary>
    Http,

    /// <summary>A SOCKS5 listener.</summary>
    Socks5,

    /// <summary>Both, on two ports.</summary>
    Both,
}

/// <summary>A live proxy instance: its own IPv6 egress address and its local listener(s).</summary>
/// <param name="Id">The instance id.</param>
/// <param name="Type">What it serves.</param>
/// <param name="InterfaceName">The interface its address is on.</param>
/// <param name="Address">The egress address, used by this instance only.</param>
/// <param name="HttpEndPoint">The HTTP listener, when it has one.</param>
/// <param name="Socks5EndPoint">The SOCKS5 listener, when it has one.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When a temporary instance is removed; <see langword="null"/> for one that lives until deleted.</param>
/// <param name="Stats">Counters summed over its listeners.</param>
/// <param name="Username">The username clients must present, when the instance requires credentials.</param>
/// <param name="Limits">Its connection and bandwidth limits.</param>
public sealed record RelayInstance(
    string Id,
    RelayInstanceType Type,
    string InterfaceName,
    IPAddress Address,
    IPEndPoint? HttpEndPoint,
    IPEndPoint? Socks5EndPoint,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    RelayInstanceStats Stats,
    string? Username,
    RelayInstanceLimits Limits);

/// <summary>What <see cref="RelayInstanceManager.CreateAsync(RelayInstanceRequest, CancellationToken)"/> should create.</summary>
/// <param name="Type">What it serves.</param>
/// <param name="InterfaceName">The interface to put its address on (required, as in the seed).</param>
public sealed record RelayInstanceRequest(RelayInstanceType Type, string? InterfaceName)
{
    /// <summary>Gets how long a temporary instance lives; <see langword="null"/> (the default) for one that lives until deleted.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Gets the credentials clients must present; <see langword="null"/> (the default) for none. Only their hash is stored.</summary>
    public Listeners.RelayCredentials? Credentials { get; init; }

    /// <summary>Gets the instance's limits. Defaults to <see cref="RelayInstanceLimits.None"/>.</summary>
    public RelayInstanceLimits Limits { get; init; } = RelayInstanceLimits.None;
}

/// <summary>Per-instance limits, applied to each of its listeners.</summary>
/// <param name="MaxConnections">The most concurrent client connections (beyond: SOCKS5 0x02 / HTTP 503); <see langword="null"/> for the listener default.</param>
/// <param name="BandwidthBytesPerSecond">A cap on relayed bytes per second, both directions together, at least 1024; <see langword="null"/> for none.</param>
public sealed record RelayInstanceLimits(int? MaxConnections = null, long? BandwidthBytesPerSecond = null)
{
    /// <summary>No limits beyond the listener defaults.</summary>
    public static RelayInstanceLimits None { get; } = new();
}

/// <summary>An instance's counters (the seed's per-instance stats).</summary>
/// <param name="Connections">Client connections accepted.</param>
/// <param name="BytesSent">Bytes relayed from clients to targets.</param>
/// <param name="BytesReceived">Bytes relayed from targets to clients.</param>
/// <param name="LastActivity">When it last saw a client or moved bytes.</param>
/// <param name="Uptime">Time since its listeners started.</param>
public sealed record RelayInstanceStats(long Connections, long BytesSent, long BytesReceived, DateTimeOffset? LastActivity, TimeSpan Uptime);

/// <summary>The outcome of <see cref="RelayInstanceManager.CreateAsync(RelayInstanceRequest, CancellationToken)"/>.</summary>
/// <param name="Instance">The new instance, when created.</param>
/// <param name="Error">Why not, when not: <c>invalid_request</c> or an <see cref="Addressing.AddressAssignmentError"/> name.</param>
/// <param name="Message">A sentence a user can act on.</param>
/// <param name="IsClientError">Whether the caller's input was at fault (HTTP 400) rather than the host (HTTP 500).</param>
public sealed record RelayInstanceResult(RelayInstance? Instance, string? Error = null, string? Message = null, bool IsClientError = false);
