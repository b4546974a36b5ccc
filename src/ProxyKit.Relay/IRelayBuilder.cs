using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Relay;

/// <summary>Configures ProxyKit.Relay; further verbs are extension methods on this builder.</summary>
public interface IRelayBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
