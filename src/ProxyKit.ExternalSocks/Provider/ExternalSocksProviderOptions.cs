namespace ProxyKit.ExternalSocks.Provider;

/// <summary>
/// Options of one named external SOCKS5 provider. The provider named <see cref="DefaultName"/> is configured from
/// <see cref="ExternalSocksOptions"/>; further providers are added with
/// <see cref="ExternalSocksProviderBuilderExtensions.AddProvider"/>. The resilience pipeline of a provider is built from
/// these options on its first call.
/// </summary>
public sealed class ExternalSocksProviderOptions
{
    /// <summary>The name of the provider configured from <see cref="ExternalSocksOptions"/>.</summary>
    public const string DefaultName = "default";

    /// <summary>
    /// Gets or sets the provider API's base address (for example <c>http://127.0.0.1:5123/api/v1/authorized/</c>).
    /// <see langword="null"/> (the default) leaves the provider unconfigured: its calls fail with
    /// <see cref="ProviderErrorKind.NotConfigured"/>.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Gets or sets the API token, sent as a bearer token. A secret: never logged nor put in exception messages.</summary>
    public string? ApiToken { get; set; }

    /// <summary>
    /// Gets or sets the total time one call may take including retries, in seconds. Defaults to 30. Reads also get an
    /// attempt timeout of a third of it (at least one second); a purchase gets one attempt bounded by this total.
    /// </summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Gets or sets how many requests may be in flight to the provider at once; further calls wait. Defaults to 4.</summary>
    public int MaxConcurrentRequests { get; set; } = 4;
}
