namespace ProxyKit.Server.Health;

/// <summary>Health endpoints of seed 003 (<c>/health</c>) and seed 000 (<c>/api/health</c>). No authentication.</summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", async (HealthReporter reporter, CancellationToken cancellationToken) =>
            {
                var report = await reporter.CheckAsync(cancellationToken);
                return TypedResults.Json(report, statusCode: report.Status == "healthy" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            })
            .WithName("GetHealth")
            .WithTags("System")
            .WithSummary("Health of the server and the storage and coordination it uses.")
            .Produces<HealthReport>(StatusCodes.Status200OK)
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);

        endpoints.MapGet("/api/health", async (HealthReporter reporter, CancellationToken cancellationToken) =>
            {
                var report = await reporter.CheckAsync(cancellationToken);
                return TypedResults.Json(new ApiHealthReport(report.Status), statusCode: report.Status == "healthy" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            })
            .WithName("GetApiHealth")
            .WithTags("IPv6 proxies")
            .WithSummary("Health of the IPv6 proxy API (seed 000).")
            .Produces<ApiHealthReport>(StatusCodes.Status200OK)
            .Produces<ApiHealthReport>(StatusCodes.Status503ServiceUnavailable);

        return endpoints;
    }
}
