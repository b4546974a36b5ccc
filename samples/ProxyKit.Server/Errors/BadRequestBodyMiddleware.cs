namespace ProxyKit.Server.Errors;

/// <summary>
/// Malformed request bodies (invalid JSON, wrong types) get the API's documented error shape instead of ASP.NET's
/// empty 400: <c>{"error": "..."}</c> for the seed 000 routes under <c>/api</c>, and seed 003's
/// <c>{"error": {"code", "message", "details"}}</c> everywhere else.
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
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = ex.StatusCode;
                    await context.Response.WriteAsJsonAsync(new { error = message });
                }
                else
                {
                    await Accounts.PoolApiErrors.WriteAsync(context, ex.StatusCode, "INVALID_REQUEST", message);
                }
            }
        });
}
