namespace ProxyKit.Relay;

/// <summary>Host-wide options of ProxyKit.Relay (section <c>ProxyKit:Relay</c>): defaults for listeners created through <see cref="Listeners.IRelayListenerFactory"/>.</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:Relay";

    /// <summary>Gets or sets how long a client may take to complete the SOCKS5 or HTTP handshake before it is closed. Defaults to 10 seconds.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long connecting to an upstream target may take (SOCKS5 reply 0x06, HTTP 504 after it). Defaults to 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long an established tunnel may stay silent in both directions before it is closed. Defaults to 5 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the most bytes a handshake (SOCKS5 greeting and request, or HTTP request line and headers) may take; beyond it the client gets an error and is closed, so a header flood cannot exhaust memory. Defaults to 64 KiB.</summary>
    public int MaxHandshakeBytes { get; set; } = 64 * 1024;

    /// <summary>Gets or sets how long the system resolver's answers are cached (the OS reports no TTL). Defaults to 30 seconds; zero disables the cache.</summary>
    public TimeSpan DnsCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}
