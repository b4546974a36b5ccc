using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.WireGuard.Internal;

internal sealed class WireGuardBuilder(IServiceCollection services) : IWireGuardBuilder
{
    public IServiceCollection Services { get; } = services;
}
