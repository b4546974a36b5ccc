using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.ExternalSocks;
using ProxyKit.ExternalSocks.Internal;
using ProxyKit.ExternalSocks.Provider;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.ExternalSocks.</summary>
public static class ExternalSocksServiceCollectionExtensions
{
    /// <summary>
    /// Adds ProxyKit.ExternalSocks with options validated at start: the provider named
    /// <see cref="ExternalSocksProviderOptions.DefaultName"/> (configured from <see cref="ExternalSocksOptions"/>), resolvable as
    /// <see cref="IExternalSocksProvider"/> and through <see cref="IExternalSocksProviders"/>. Safe to call more than once.
    /// </summary>
    public static IExternalSocksBuilder AddProxyKitExternalSocks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<ExternalSocksOptions, ExternalSocksOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Options.IConfigureOptions<ExternalSocksProviderOptions>, DefaultProviderOptionsSetup>());
        if (!ProviderRegistration.IsRegistered(services, ExternalSocksProviderOptions.DefaultName))
        {
            ProviderRegistration.Register(services, ExternalSocksProviderOptions.DefaultName);
        }

        services.AddExternalSocksShop();

        return new ExternalSocksBuilder(services);
    }

    /// <summary>Adds ProxyKit.ExternalSocks with options configured in code.</summary>
    public static IExternalSocksBuilder AddProxyKitExternalSocks(this IServiceCollection services, Action<ExternalSocksOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitExternalSocks();
        services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Adds ProxyKit.ExternalSocks with options bound from <paramref name="section"/> (unknown keys are an error), and one
    /// named provider per child of its <c>Providers</c> section (see <see cref="ExternalSocksOptions.Providers"/>).
    /// </summary>
    public static IExternalSocksBuilder AddProxyKitExternalSocks(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitExternalSocks();
        services.AddOptions<ExternalSocksOptions>().BindStrict(section);
        foreach (var provider in section.GetSection(nameof(ExternalSocksOptions.Providers)).GetChildren())
        {
            builder.AddProvider(provider.Key, options => provider.Bind(options, static binder => binder.ErrorOnUnknownConfiguration = true));
        }

        return builder;
    }
}
