namespace ProxyKit.Server.Errors;

/// <summary>
/// Malformed request bodies (invalid JSON, wrong types) get the API's documented error shape instead of ASP.NET's
/// empty 400, and unexpected failures get the same shapes (logged, never echoed): 503 with <c>Retry-After</c> when a
/// transient dependency (database, Redis) is down, else 500. The shape follows the seed that owns the path:
/// seed 002's <c>{"error", "message", "details"}</c> under <c>/api/proxies</c>, seed 000's <c>{"error": "..."}</c> elsewhere
/// under <c>/api</c> (but <c>/api/external-proxy</c>), seed 004's <c>{"success": false, "error"}</c> under <c>/vpn_api</c>, seed
/// 003's <c>{"error": {"code", "message", "details"}}</c> for the rest.
/// </summary>
internal static class BadRequestBodyMiddleware
{
    public static IServiceCollection AddBadRequestBodyErrors(this IServiceCollection services) =>
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

    public static IApplicationBuilder UseBadRequestBodyErrors(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await WriteAsync(context, ex.StatusCode, "INVALID_REQUEST", "invalid_request", $"Invalid request: {ex.Message}");
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ProxyKit.Server.Errors")
                    .LogError(ex, "Unhandled failure serving {Method} {Path}", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                var transient = ex is ProxyKitException { IsTransient: true };
                if (transient)
                {
                    context.Response.Headers.RetryAfter = "5";
                }

                // Seed 002 names one code for failures of its storage; anything else is an internal error.
                await WriteAsync(
                    context,
                    transient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
                    transient ? "SERVICE_UNAVAILABLE" : "INTERNAL_ERROR",
                    transient || ex is System.Data.Common.DbException ? "database_error" : "internal_error",
                    transient ? "A backing service is unavailable; retry shortly." : "Internal error; it has been logged.");
            }
        });

    private static Task WriteAsync(HttpContext context, int status, string code, string seed002Code, string message)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(WireGuard.VpnEndpoints.Prefix))
        {
            return WireGuard.VpnEndpoints.WriteErrorAsync(context, status, message);
        }

        if (path.StartsWithSegments(Pool.SessionProxyEndpoints.Prefix))
        {
            return Pool.SessionProxyEndpoints.WriteErrorAsync(context, status, seed002Code, message);
        }

        if (path.StartsWithSegments("/api") && !path.StartsWithSegments(ExternalSocks.ExternalProxyEndpoints.Prefix))
        {
            context.Response.StatusCode = status;
            return context.Response.WriteAsJsonAsync(new { error = message });
        }

        return Accounts.PoolApiErrors.WriteAsync(context, status, code, message);
    }
}
