namespace ProxyKit.Server.Errors;

/// <summary>
/// Malformed request bodies (invalid JSON, wrong types) get the API's documented error shape instead of ASP.NET's
/// empty 400: seed 002's <c>{"error", "message", "details"}</c> under <c>/api/proxies</c>, <c>{"error": "..."}</c> for the seed 000
/// routes elsewhere under <c>/api</c>, and seed 003's
/// <c>{"error": {"code", "message", "details"}}</c> everywhere else. Unexpected failures get the same shapes (logged, never
/// echoed): 503 <c>SERVICE_UNAVAILABLE</c> with <c>Retry-After</c> when a transient dependency (database, Redis) is down,
/// else 500 <c>INTERNAL_ERROR</c>.
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
                var message = $"Invalid request: {ex.Message}";
                if (context.Request.Path.StartsWithSegments(Pool.SessionProxyEndpoints.Prefix))
                {
                    await Pool.SessionProxyEndpoints.WriteErrorAsync(context, ex.StatusCode, "invalid_request", message);
                }
                else if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = ex.StatusCode;
                    await context.Response.WriteAsJsonAsync(new { error = message });
                }
                else
                {
                    await Accounts.PoolApiErrors.WriteAsync(context, ex.StatusCode, "INVALID_REQUEST", message);
                }
            }
            catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ProxyKit.Server.Errors")
                    .LogError(ex, "Unhandled failure serving {Method} {Path}", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                var transient = ex is ProxyKitException { IsTransient: true };
                var status = transient ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
                var message = transient ? "A backing service is unavailable; retry shortly." : "Internal error; it has been logged.";
                if (transient)
                {
                    context.Response.Headers.RetryAfter = "5";
                }

                if (context.Request.Path.StartsWithSegments(Pool.SessionProxyEndpoints.Prefix))
                {
                    // Seed 002 names one code for failures of its storage; anything else is an internal error.
                    var code = transient || ex is System.Data.Common.DbException ? "database_error" : "internal_error";
                    await Pool.SessionProxyEndpoints.WriteErrorAsync(context, status, code, message);
                }
                else if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = status;
                    await context.Response.WriteAsJsonAsync(new { error = message });
                }
                else
                {
                    await Accounts.PoolApiErrors.WriteAsync(context, status, transient ? "SERVICE_UNAVAILABLE" : "INTERNAL_ERROR", message);
                }
            }
        });
}
