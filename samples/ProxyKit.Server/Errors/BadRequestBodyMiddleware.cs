namespace ProxyKit.Server.Errors;

/// <summary>
/// Malformed request bodies (invalid JSON, wrong types) get the API's documented error shape instead of ASP.NET's
/// empty 400: <c>{"error": "..."}</c> for the seed 000 routes under <c>/api</c>.
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
                context.Response.StatusCode = ex.StatusCode;
                await context.Response.WriteAsJsonAsync(new { error = $"Invalid request: {ex.Message}" });
            }
        });
}
