using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ProxyKit.Server.ProxyInstances;

/// <summary>
/// Seed 000 §8: the instance API is safe on loopback only. When <c>ProxyKit:Api:Token</c> is set, every <c>/api</c> route
/// but <c>/api/health</c> and <c>/api/external-proxy</c> (authenticated by users' API keys) needs <c>Authorization: Bearer &lt;token&gt;</c>; listening beyond loopback without a token is
/// refused at start.
/// </summary>
internal static class ApiTokenGuard
{
    public const string TokenSetting = "ProxyKit:Api:Token";

    /// <summary>Throws when the server would listen beyond loopback without a token, or the token is too short.</summary>
    public static void EnsureSafe(IConfiguration configuration)
    {
        var token = configuration[TokenSetting];
        if (token is { Length: < 32 })
        {
            throw new InvalidOperationException($"{TokenSetting} must be at least 32 characters.");
        }

        var exposed = (configuration["urls"] ?? string.Empty)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(url => !IsLoopback(url))
            .ToList();
        if (exposed.Count > 0 && string.IsNullOrEmpty(token))
        {
            throw new InvalidOperationException(
                $"The API would listen beyond loopback ({string.Join(", ", exposed)}) without authentication: set {TokenSetting} (32+ characters) or listen on 127.0.0.1.");
        }
    }

    public static IApplicationBuilder UseApiToken(this IApplicationBuilder app, IConfiguration configuration)
    {
        var token = configuration[TokenSetting];
        if (string.IsNullOrEmpty(token))
        {
            return app;
        }

        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            // /api/external-proxy has its own users (seed 003 API keys): the instance token does not guard it.
            if (path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/health") && !path.StartsWithSegments(ExternalSocks.ExternalProxyEndpoints.Prefix))
            {
                var header = context.Request.Headers.Authorization.ToString();
                var given = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : string.Empty;
                if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), expected))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await context.Response.WriteAsJsonAsync(new { error = "A valid API token is required (Authorization: Bearer <token>)." });
                    return;
                }
            }

            await next(context);
        });
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
