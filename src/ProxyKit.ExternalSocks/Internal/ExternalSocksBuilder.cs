using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.ExternalSocks.Internal;

internal sealed class ExternalSocksBuilder(IServiceCollection services) : IExternalSocksBuilder
{
    public IServiceCollection Services { get; } = services;
}
