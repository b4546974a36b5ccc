using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Pool.Internal;

internal sealed class PoolBuilder(IServiceCollection services) : IPoolBuilder
{
    public IServiceCollection Services { get; } = services;
}
