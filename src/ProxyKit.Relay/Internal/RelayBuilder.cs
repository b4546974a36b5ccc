using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Relay.Internal;

internal sealed class RelayBuilder(IServiceCollection services) : IRelayBuilder
{
    public IServiceCollection Services { get; } = services;
}
