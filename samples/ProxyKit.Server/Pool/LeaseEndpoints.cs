namespace ProxyKit.Server.Pool;

/// <summary>Seed 003's leases: acquire, release, and tests through pool proxies.</summary>
internal static class LeaseEndpoints
{
    public static IEndpointRouteBuilder MapLeaseEndpoints(this IEndpointRouteBuilder endpoints) => endpoints;
}
