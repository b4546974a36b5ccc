using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Coordination.Internal;

internal sealed class CoordinationBuilder(IServiceCollection services) : ICoordinationBuilder
{
    public IServiceCollection Services { get; } = services;
}
