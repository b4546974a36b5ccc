using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.WireGuard;

/// <summary>Configures ProxyKit.WireGuard; further verbs are extension methods on this builder.</summary>
public interface IWireGuardBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
