using System.Diagnostics.CodeAnalysis;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>The registered external SOCKS5 providers, by name.</summary>
public interface IExternalSocksProviders
{
    /// <summary>Gets the provider named <see cref="ExternalSocksProviderOptions.DefaultName"/> (configured from <see cref="ExternalSocksOptions"/>).</summary>
    [SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The default provider; C# is the audience.")]
    IExternalSocksProvider Default { get; }

    /// <summary>Gets every registered provider, the default one first.</summary>
    IReadOnlyList<IExternalSocksProvider> All { get; }

    /// <summary>Gets the provider named <paramref name="name"/> (ordinal, case-insensitive).</summary>
    /// <exception cref="ExternalSocksProviderException">No provider has that name (<see cref="ProviderErrorKind.NotConfigured"/>).</exception>
    IExternalSocksProvider GetRequired(string name);

    /// <summary>Gets the provider named <paramref name="name"/> if one is registered.</summary>
    bool TryGet(string name, [NotNullWhen(true)] out IExternalSocksProvider? provider);
}
