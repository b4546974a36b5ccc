using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>Configures the provider named <see cref="ExternalSocksProviderOptions.DefaultName"/> from <see cref="ExternalSocksOptions"/>.</summary>
internal sealed class DefaultProviderOptionsSetup(IOptions<ExternalSocksOptions> root) : IConfigureNamedOptions<ExternalSocksProviderOptions>
{
    public void Configure(string? name, ExternalSocksProviderOptions options)
    {
        if (!string.Equals(name, ExternalSocksProviderOptions.DefaultName, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var value = root.Value;
        options.BaseUrl = value.BaseUrl;
        options.ApiToken = value.ApiToken;
        options.TimeoutSeconds = value.TimeoutSeconds;
        options.MaxConcurrentRequests = value.MaxConcurrentRequests;
    }

    public void Configure(ExternalSocksProviderOptions options) => Configure(Options.DefaultName, options);
}
