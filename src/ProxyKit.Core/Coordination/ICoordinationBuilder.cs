using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Coordination;

/// <summary>Configures ProxyKit coordination; backends add their verbs (<c>UseRedis</c>) as extension methods.</summary>
public interface ICoordinationBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
