using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Pool;

/// <summary>Configures ProxyKit.Pool; further verbs are extension methods on this builder.</summary>
public interface IPoolBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
