using ProxyKit.ExternalSocks.Provider;

namespace ProxyKit.ExternalSocks;

/// <summary>Options of ProxyKit.ExternalSocks (section <c>ProxyKit:ExternalSocks</c>).</summary>
public sealed class ExternalSocksOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:ExternalSocks";

    /// <summary>
    /// Gets or sets the provider API's base address. <see langword="null"/> (the default) leaves the client
    /// unconfigured: calls fail with the seed's "client not initialized" error. ProxyKit never defaults to a
    /// remote address.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Gets or sets the provider API token, sent as a bearer token. A secret: never logged.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Gets or sets the fixed resale price of one proxy in US dollars. Defaults to 2.00.</summary>
    public decimal Price { get; set; } = 2.00m;

    /// <summary>Gets or sets total time one provider call may take including retries, in seconds. Defaults to 30.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Gets or sets how many requests may be in flight to the provider at once; further calls wait. Defaults to 4.</summary>
    public int MaxConcurrentRequests { get; set; } = 4;

    /// <summary>Gets or sets minutes between inventory syncs. Defaults to 5.</summary>
    public int SyncIntervalMinutes { get; set; } = 5;

    /// <summary>
    /// Gets further providers by name, as configured under <c>ProxyKit:ExternalSocks:Providers:{name}</c> (each with
    /// <c>BaseUrl</c>, <c>ApiToken</c>, <c>TimeoutSeconds</c>, <c>MaxConcurrentRequests</c>). Named clients are registered
    /// when services are added, so only <c>AddProxyKitExternalSocks(IConfiguration)</c> reads this section; in code, call
    /// <see cref="ExternalSocksProviderBuilderExtensions.AddProvider"/>.
    /// </summary>
    public IDictionary<string, ExternalSocksProviderOptions> Providers { get; } = new Dictionary<string, ExternalSocksProviderOptions>(StringComparer.OrdinalIgnoreCase);
}
