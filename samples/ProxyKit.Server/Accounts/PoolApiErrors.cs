namespace ProxyKit.Server.Accounts;

/// <summary>Seed 003's error shape: <c>{"error": {"code", "message", "details"}}</c>.</summary>
internal static class PoolApiErrors
{
    public static IResult Result(int status, string code, string message, object? details = null) =>
        Results.Json(new { error = new { code, message, details = details ?? new { } } }, statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { code, message, details = new { } } });
    }
}
