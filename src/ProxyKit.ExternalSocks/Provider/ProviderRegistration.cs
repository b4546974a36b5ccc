using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>Marks one registered provider name; <see cref="ExternalSocksProviders"/> enumerates them.</summary>
internal sealed class ProviderRegistration(string name)
{
    public string Name { get; } = name;

    public static string ClientName(string providerName) => "ProxyKit.ExternalSocks." + providerName;

    public static bool IsRegistered(IServiceCollection services, string name) =>
        services.Any(d => d.ImplementationInstance is ProviderRegistration r && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Registers the provider's name, its named HttpClient with the resilience handler and the shared provider services.</summary>
    public static IHttpClientBuilder Register(IServiceCollection services, string name)
    {
        services.AddSingleton(new ProviderRegistration(name));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProviderResilienceRegistry>();
        services.TryAddSingleton<IExternalSocksProviders, ExternalSocksProviders>();
        services.TryAddSingleton<IExternalSocksProvider>(sp => sp.GetRequiredService<IExternalSocksProviders>().Default);
        return services.AddHttpClient(ClientName(name))
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline owns the timeouts
            .AddHttpMessageHandler(sp => new ProviderResilienceHandler(sp.GetRequiredService<ProviderResilienceRegistry>().Get(name)));
    }
}
