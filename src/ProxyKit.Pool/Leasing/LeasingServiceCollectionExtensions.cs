using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Pool.Leasing;

/// <summary>Registers leases (called once by <c>AddProxyKitPool</c>).</summary>
internal static class LeasingServiceCollectionExtensions
{
    public static IServiceCollection AddPoolLeasing(this IServiceCollection services) => services;
}
