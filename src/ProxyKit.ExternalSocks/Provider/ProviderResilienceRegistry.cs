using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>Holds one <see cref="ProviderResilience"/> per provider name, outliving the HttpClient handlers that use it.</summary>
internal sealed class ProviderResilienceRegistry(
    IOptionsMonitor<ExternalSocksProviderOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ProviderResilience>> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger _logger = loggerFactory.CreateLogger("ProxyKit.ExternalSocks.Provider");

    public ProviderResilience Get(string name) =>
        _byName.GetOrAdd(name, n => new Lazy<ProviderResilience>(() => new ProviderResilience(n, options.Get(n), timeProvider, _logger))).Value;

    public void Dispose()
    {
        foreach (var entry in _byName.Values)
        {
            if (entry.IsValueCreated)
            {
                entry.Value.Dispose();
            }
        }
    }
}
