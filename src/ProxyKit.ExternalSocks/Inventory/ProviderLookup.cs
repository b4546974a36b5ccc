using ProxyKit.ExternalSocks.Provider;

namespace ProxyKit.ExternalSocks.Inventory;

internal static class ProviderLookup
{
    /// <summary>The provider named <paramref name="name"/>, the default one when null, or null when none has that name.</summary>
    public static IExternalSocksProvider? Find(this IExternalSocksProviders providers, string? name) =>
        name is null ? providers.Default : providers.TryGet(name, out var provider) ? provider : null;
}
