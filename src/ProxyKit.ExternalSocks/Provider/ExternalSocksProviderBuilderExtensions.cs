using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>Registers external SOCKS5 providers on an <see cref="IExternalSocksBuilder"/>.</summary>
public static class ExternalSocksProviderBuilderExtensions
{
    /// <summary>
    /// Adds a further provider named <paramref name="name"/>, reachable through <see cref="IExternalSocksProviders"/>.
    /// Its options are validated at start; names are case-insensitive and must be unique (the name
    /// <see cref="ExternalSocksProviderOptions.DefaultName"/> is taken by the provider configured from
    /// <see cref="ExternalSocksOptions"/>).
    /// </summary>
    /// <returns>The provider's named HttpClient registration, for further handlers.</returns>
    public static IHttpClientBuilder AddProvider(this IExternalSocksBuilder builder, string name, Action<ExternalSocksProviderOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        if (ProviderRegistration.IsRegistered(builder.Services, name))
        {
            throw new ArgumentException($"An ExternalSocks provider named '{name}' is already registered.", nameof(name));
        }

        builder.Services.Configure(name, configure);
        builder.Services.AddOptions<ExternalSocksProviderOptions>(name).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExternalSocksProviderOptions>, ExternalSocksProviderOptionsValidator>());
        return ProviderRegistration.Register(builder.Services, name);
    }
}
