using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ProxyKit.WireGuard.Allocation;

namespace ProxyKit.Server.WireGuard;

/// <summary>
/// Seed 004: WireGuard key allocation under <c>/vpn_api</c> with the seed's shapes — <c>{success: true, ...}</c>, errors
/// <c>{success: false, error}</c>. Clients are identified by IP address (through trusted proxies' <c>X-Forwarded-For</c>).
/// </summary>
internal static class VpnEndpoints
{
    public const string Prefix = "/vpn_api";

    public static IServiceCollection AddVpnApi(this IServiceCollection services, IConfiguration proxyKit)
    {
        services.AddOptions<VpnApiOptions>()
            .Bind(proxyKit.GetSection("Server:VpnApi"), static b => b.ErrorOnUnknownConfiguration = true)
            .Validate(static o => o.ApiKey is null || o.ApiKey.Length >= 32, $"{VpnApiOptions.SectionName}:ApiKey must be at least 32 characters.")
            .Validate(static o => o.TrustedProxies.All(p => IPAddress.TryParse(p, out _)), $"{VpnApiOptions.SectionName}:TrustedProxies must be IP addresses.")
            .ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapVpnEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var vpn = endpoints.MapGroup(Prefix).WithTags("VPN keys");

        vpn.MapGet("/list", async (WireGuardKeyService keys, CancellationToken ct) =>
            Results.Json(new { success = true, servers = await keys.ListServersAsync(ct) }))
            .WithSummary("The VPN servers' public addresses.");

        vpn.MapGet("/allocate", async (string? ip, string? qr, HttpContext http, WireGuardKeyService keys, IOptions<VpnApiOptions> options, CancellationToken ct) =>
        {
            if (qr is not (null or "png" or "svg"))
            {
                return Error(StatusCodes.Status400BadRequest, "qr must be png or svg");
            }

            var allocated = await keys.AllocateAsync(ClientAddress(http, options.Value), string.IsNullOrWhiteSpace(ip) ? null : ip.Trim(), ct);
            if (!allocated.Succeeded)
            {
                return Failure(http, allocated.Error!);
            }

            var a = allocated.Value!;
            var body = new Dictionary<string, object?>
            {
                ["success"] = true,
                ["server_ip"] = a.ServerIp,
                ["server_port"] = a.ServerPort,
                ["server_pubkey"] = a.ServerPublicKey.ToBase64(),
                ["private_key"] = a.PrivateKey.ToBase64(),
                ["public_key"] = a.PublicKey.ToBase64(),
                ["internal_ip"] = a.InternalIp.ToString(),
                ["config"] = a.Config.Render(),
            };
            if (qr is not null)
            {
                body["config_qr"] = qr == "png"
                    ? "data:image/png;base64," + Convert.ToBase64String(a.Config.ToQrPng())
                    : "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(a.Config.ToQrSvg()));
            }

            // The response carries a private key: never cached anywhere.
            http.Response.Headers.CacheControl = "no-store";
            return Results.Json(body);
        }).WithSummary("Allocates a key on the server at ip, or on the one with the most free keys (qr=png|svg adds the configuration as a QR code).");

        vpn.MapPost("/release", async (ReleaseRequest? body, HttpContext http, WireGuardKeyService keys, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(body?.PublicKey))
            {
                return Error(StatusCodes.Status400BadRequest, "public_key is required");
            }

            var released = await keys.ReleaseAsync(body.PublicKey.Trim(), ct);
            return released.Succeeded
                ? Results.Json(new { success = true, message = "VPN key released successfully" })
                : Failure(http, released.Error!);
        }).WithSummary("Releases a key by its public key: its peer is removed at once and it is never handed out again.");

        vpn.MapGet("/status", async (string? ip, HttpContext http, WireGuardKeyService keys, CancellationToken ct) =>
        {
            var status = await keys.GetStatusAsync(string.IsNullOrWhiteSpace(ip) ? null : ip.Trim(), ct);
            if (!status.Succeeded)
            {
                return Failure(http, status.Error!);
            }

            var s = status.Value!;
            return Results.Json(new
            {
                success = true,
                statistics = new { total_keys = s.TotalKeys, keys_in_use = s.KeysInUse, keys_available = s.KeysAvailable },
                active_connections = s.ActiveConnections.Select(static c => new
                {
                    internal_ip = c.InternalIp.ToString(),
                    assigned_to = c.AssignedTo,
                    assigned_at = c.AssignedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    duration_seconds = (long)c.Duration.TotalSeconds,
                    server_ip = c.ServerIp,
                }),
            });
        }).WithSummary("Key usage of the server at ip, or of every server; public keys are never listed.");

        return endpoints;
    }

    /// <summary>Writes a failure of this API's shape (also used by the error middleware for malformed bodies and crashes).</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { success = false, error = message });
    }

    internal static string ClientAddress(HttpContext http, VpnApiOptions options)
    {
        var remote = Normalize(http.Connection.RemoteIpAddress);
        if (remote is null)
        {
            return "unknown";
        }

        var trusted = options.TrustedAddresses();
        if (!trusted.Contains(remote))
        {
            return remote.ToString();
        }

        // Walk X-Forwarded-For from the right: the first address not of a trusted proxy is the client.
        var hops = http.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var i = hops.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out var hop))
            {
                break;
            }

            hop = Normalize(hop)!;
            if (!trusted.Contains(hop))
            {
                return hop.ToString();
            }
        }

        return remote.ToString();
    }

    private static IPAddress? Normalize(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>
    /// Checks <see cref="VpnApiOptions.ApiKey"/> on every <c>/vpn_api</c> request before anything else reads it — a middleware,
    /// not an endpoint filter, so an unauthenticated caller learns nothing from how its body would have been parsed.
    /// </summary>
    public static IApplicationBuilder UseVpnApiKey(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var key = context.Request.Path.StartsWithSegments(Prefix)
                ? context.RequestServices.GetRequiredService<IOptions<VpnApiOptions>>().Value.ApiKey
                : null;
            if (key is null || Presents(context.Request.Headers, key))
            {
                await next(context);
                return;
            }

            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized: present the VPN API key (Authorization: Bearer or X-API-Key)");
        });

    private static bool Presents(IHeaderDictionary headers, string key)
    {
        var presented = headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth["Bearer ".Length..].Trim()
            : headers["X-API-Key"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(key));
    }

    private static IResult Failure(HttpContext http, ProxyKitError error)
    {
        var status = error.Code switch
        {
            WireGuardErrorCodes.NoAvailableKeys => StatusCodes.Status503ServiceUnavailable,
            WireGuardErrorCodes.KeyNotFound or WireGuardErrorCodes.UnknownServer => StatusCodes.Status404NotFound,
            WireGuardErrorCodes.ClientLimitReached => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "60";
        }

        return Error(status, error.Message);
    }

    private static IResult Error(int status, string message) => Results.Json(new { success = false, error = message }, statusCode: status);

    internal sealed record ReleaseRequest(string? PublicKey);
}
