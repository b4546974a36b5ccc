using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.ExternalSocks;

/// <summary>Configures ProxyKit.ExternalSocks; further verbs are extension methods on this builder.</summary>
public interface IExternalSocksBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
