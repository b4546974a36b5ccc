using System.Net;
using ProxyKit.Relay.Egress;

namespace ProxyKit.Relay.Listeners;

/// <summary>Everything one listener needs: where it listens, what it speaks, who may use it, and where its traffic leaves from.</summary>
public sealed class RelayListenerOptions
{
    /// <summary>Gets or sets the name that tags this listener's metrics and logs (e.g. an instance id). Defaults to <c>relay</c>.</summary>
    public string Name { get; set; } = "relay";

    /// <summary>Gets or sets where to listen. Defaults to 127.0.0.1 with an OS-chosen port.</summary>
    public IPEndPoint ListenEndPoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>Gets or sets the protocol. Defaults to <see cref="RelayProtocol.Mixed"/>.</summary>
    public RelayProtocol Protocol { get; set; } = RelayProtocol.Mixed;

    /// <summary>Gets or sets the credentials clients must present; <see langword="null"/> (the default) means no authentication.</summary>
    public RelayCredentials? Credentials { get; set; }

    /// <summary>Gets the source address and address-family policy of upstream connections.</summary>
    public EgressOptions Egress { get; init; } = new();

    /// <summary>Gets which destinations may be reached.</summary>
    public DestinationPolicy Destinations { get; init; } = new();

    /// <summary>Gets or sets how long a client may take to finish its handshake. Defaults to 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long resolving and connecting upstream may take. Defaults to 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long a tunnel may be silent in both directions before it is closed. Defaults to 5 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the most bytes a handshake may take (SOCKS5 messages, HTTP request head), at least 1024. Defaults to 64 KiB.</summary>
    public int MaxHandshakeBytes { get; set; } = 64 * 1024;

    /// <summary>Gets or sets the most concurrent client connections; beyond it clients get SOCKS5 0x02 or HTTP 503. Defaults to 10,000.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>Gets or sets a cap on the listener's total relayed bytes per second (both directions together); <see langword="null"/> (the default) for none.</summary>
    public long? BandwidthLimitBytesPerSecond { get; set; }

    /// <summary>Gets or sets how long <see cref="RelayListener.StopAsync"/> lets open tunnels finish before closing them. Defaults to 5 seconds.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets a callback told about every client connection when it closes (e.g. a per-instance connection log).
    /// Runs on the connection's own task: keep it short and non-blocking. <see langword="null"/> (the default) for none.
    /// </summary>
    public Action<RelayConnectionRecord>? ConnectionClosed { get; set; }

    /// <summary>Throws when the options are inconsistent, naming the option.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentNullException.ThrowIfNull(ListenEndPoint);
        if (!Enum.IsDefined(Protocol))
        {
            throw new ArgumentException($"Unknown protocol {Protocol}.", nameof(Protocol));
        }

        if (Egress.Address is not null && Egress.RotatingPrefix is not null)
        {
            throw new ArgumentException("Egress: set either Address (sticky) or RotatingPrefix (rotating), not both.", nameof(Egress));
        }

        if (Egress.RotatingPrefix is { } prefix && prefix.PrefixLength >= (prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32))
        {
            throw new ArgumentException("Egress: RotatingPrefix must leave host bits to choose from.", nameof(Egress));
        }

        Positive(HandshakeTimeout, nameof(HandshakeTimeout));
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(IdleTimeout, nameof(IdleTimeout));
        Positive(DrainTimeout, nameof(DrainTimeout));
        Positive(Egress.ConnectAttemptDelay, nameof(Egress.ConnectAttemptDelay));
        // 1024 holds the largest RFC 1929 message (513 bytes) and any SOCKS5 request (262 bytes).
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHandshakeBytes, 1024, nameof(MaxHandshakeBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        if (BandwidthLimitBytesPerSecond is < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(BandwidthLimitBytesPerSecond), BandwidthLimitBytesPerSecond, "A bandwidth limit must be at least 1024 bytes/s.");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }
}
