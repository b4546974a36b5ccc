using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Storage.Internal;

internal sealed class StorageBuilder(IServiceCollection services) : IStorageBuilder
{
    public IServiceCollection Services { get; } = services;
}
