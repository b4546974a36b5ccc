using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>The registered providers, each an <see cref="HttpExternalSocksProvider"/> over its own named HttpClient.</summary>
internal sealed class ExternalSocksProviders : IExternalSocksProviders
{
    private readonly Dictionary<string, IExternalSocksProvider> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ExternalSocksProviders(
        IEnumerable<ProviderRegistration> registrations,
        IHttpClientFactory clientFactory,
        IOptionsMonitor<ExternalSocksProviderOptions> options,
        ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("ProxyKit.ExternalSocks.Provider");
        var all = new List<IExternalSocksProvider>();
        foreach (var registration in registrations.OrderBy(r => !string.Equals(r.Name, ExternalSocksProviderOptions.DefaultName, StringComparison.OrdinalIgnoreCase)))
        {
            var name = registration.Name;
            var provider = new HttpExternalSocksProvider(name, clientFactory, () => options.Get(name), logger);
            if (_byName.TryAdd(name, provider))
            {
                all.Add(provider);
            }
        }

        All = all;
    }

    public IExternalSocksProvider Default => GetRequired(ExternalSocksProviderOptions.DefaultName);

    public IReadOnlyList<IExternalSocksProvider> All { get; }

    public IExternalSocksProvider GetRequired(string name) =>
        TryGet(name, out var provider)
            ? provider
            : throw new ExternalSocksProviderException(ProviderErrorKind.NotConfigured, $"No ExternalSocks provider named '{name}' is registered.");

    public bool TryGet(string name, [NotNullWhen(true)] out IExternalSocksProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out provider);
    }
}
