namespace ProxyKit.Pool.Leasing;

/// <summary>What a user asks for when acquiring a proxy (<c>POST /proxies/acquire</c>); every field is optional.</summary>
public sealed record LeaseRequest
{
    /// <summary>Gets the protocol the proxy must speak: <c>http</c>, <c>https</c>, <c>socks4</c> or <c>socks5</c>.</summary>
    public string? Protocol { get; init; }

    /// <summary>Gets the ISO 3166-1 alpha-2 country the proxy must be in.</summary>
    public string? Country { get; init; }

    /// <summary>Gets the anonymity the proxy must have: <c>transparent</c>, <c>anonymous</c> or <c>elite</c>.</summary>
    public string? Anonymity { get; init; }

    /// <summary>Gets the lowest acceptable score (0.0 to 1.0).</summary>
    public double? MinScore { get; init; }

    /// <summary>
    /// Gets how long the lease lasts, in seconds: 1 to <see cref="PoolOptions.MaxLeaseDuration"/>; without it
    /// <see cref="PoolOptions.DefaultLeaseDuration"/>.
    /// </summary>
    public int? LeaseDurationSeconds { get; init; }
}
