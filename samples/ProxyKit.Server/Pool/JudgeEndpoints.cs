using ProxyKit.Pool.Checking;

namespace ProxyKit.Server.Pool;

/// <summary>
/// The anonymity judge the checkers call through proxies under test: <c>GET /judge</c> echoes the caller's address,
/// headers and <c>proxykit_token</c> as JSON (<see cref="AnonymityJudge"/>). Anonymous by design — it reveals nothing
/// the caller did not send — and never cached.
/// </summary>
internal static class JudgeEndpoints
{
    public static IEndpointRouteBuilder MapJudgeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/judge", (HttpContext context) =>
            {
                var request = context.Request;
                var echo = AnonymityJudge.CreateEcho(
                    context.Connection.RemoteIpAddress,
                    request.Headers.Select(h => KeyValuePair.Create(h.Key, (string?)h.Value.ToString())),
                    request.Query[AnonymityJudge.TokenQueryName].FirstOrDefault());
                context.Response.Headers.CacheControl = "no-store";
                return Results.Bytes(echo, AnonymityJudge.ContentType);
            })
            .AllowAnonymous()
            .ExcludeFromDescription();
        return endpoints;
    }
}
