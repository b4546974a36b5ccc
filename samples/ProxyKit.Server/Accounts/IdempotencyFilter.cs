using System.Security.Cryptography;
using System.Text;
using ProxyKit.Accounts.Idempotency;

namespace ProxyKit.Server.Accounts;

/// <summary>
/// <c>Idempotency-Key</c> for spending endpoints, implemented once (<c>.WithIdempotency()</c>): the same key and body
/// answer with the stored response (header <c>Idempotent-Replayed: true</c>), the same key with another body 422, a
/// concurrent duplicate 409. Keys are scoped per caller; the body is hashed with the method and path.
/// </summary>
internal sealed class IdempotencyFilter(IdempotencyStore store) : IEndpointFilter
{
    public const string HeaderName = "Idempotency-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            return await next(context);
        }

        if (key.Length > 255)
        {
            return PoolApiErrors.Result(400, "INVALID_IDEMPOTENCY_KEY", "The Idempotency-Key header may be at most 255 characters.");
        }

        var scope = http.User.UserId()?.ToString("D") ?? "admin";
        var hash = await HashRequestAsync(http.Request);
        var begun = await store.BeginAsync(scope, key, hash, http.RequestAborted);
        switch (begun.State)
        {
            case IdempotencyState.Completed:
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return Results.Text(begun.Response!.Body, begun.Response.ContentType, Encoding.UTF8, begun.Response.StatusCode);
            case IdempotencyState.Mismatch:
                return PoolApiErrors.Result(422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request; use a new key.");
            case IdempotencyState.InProgress:
                return PoolApiErrors.Result(409, "IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still being processed; retry shortly.");
        }

        try
        {
            var produced = await next(context);
            var result = produced as IResult ?? Results.Json(produced);

            // Run the result into a buffer, so its response can be stored before it is sent.
            var original = http.Response.Body;
            using var buffer = new MemoryStream();
            http.Response.Body = buffer;
            try
            {
                await result.ExecuteAsync(http);
            }
            finally
            {
                http.Response.Body = original;
            }

            var body = Encoding.UTF8.GetString(buffer.ToArray());
            if (http.Response.StatusCode >= 500)
            {
                await store.AbandonAsync(scope, key, CancellationToken.None);
            }
            else
            {
                await store.CompleteAsync(scope, key, new IdempotentResponse(http.Response.StatusCode, http.Response.ContentType, body), CancellationToken.None);
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(original, http.RequestAborted);
            return Results.Empty;
        }
        catch
        {
            await store.AbandonAsync(scope, key, CancellationToken.None);
            throw;
        }
    }

    private static async Task<string> HashRequestAsync(HttpRequest request)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        request.Body.Position = 0; // buffered by UseIdempotencyKeys before the body was bound
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk)) > 0)
        {
            sha.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}

/// <summary>Wires <see cref="IdempotencyFilter"/>.</summary>
internal static class IdempotencyExtensions
{
    /// <summary>Buffers the body of requests that carry an Idempotency-Key, so the filter can hash what was bound.</summary>
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Headers.ContainsKey(IdempotencyFilter.HeaderName))
        {
            context.Request.EnableBuffering();
        }

        return next(context);
    });

    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder builder) => builder.AddEndpointFilter<IdempotencyFilter>();
}
