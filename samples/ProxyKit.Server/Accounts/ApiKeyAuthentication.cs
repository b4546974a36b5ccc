using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ProxyKit.Accounts;
using ProxyKit.Accounts.Keys;

namespace ProxyKit.Server.Accounts;

/// <summary>
/// <c>Authorization: Bearer pp_...</c> for seed 003's endpoints: a user's API key (verified by <see cref="ApiKeyService"/>,
/// cached), or the administrator key from <c>ProxyKit:Accounts:AdminApiKey</c> (compared in constant time).
/// Failures answer 401 (403 for a user on an admin endpoint) in the seed's error shape.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys,
    IOptions<AccountsOptions> accounts) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string AdminRole = "admin";
    public const string KeyIdClaim = "proxykit:key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = header["Bearer ".Length..].Trim();
        if (accounts.Value.AdminApiKey is { } admin && FixedTimeEquals(presented, admin))
        {
            return Success([new Claim(ClaimTypes.Role, AdminRole), new Claim(ClaimTypes.Name, "admin")]);
        }

        var identity = await keys.VerifyAsync(presented, Context.RequestAborted);
        return identity is null
            ? AuthenticateResult.Fail("The API key is missing, malformed, unknown or revoked.")
            : Success([new Claim(ClaimTypes.NameIdentifier, identity.UserId), new Claim(KeyIdClaim, identity.KeyId)]);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        PoolApiErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, "UNAUTHORIZED",
            "A valid API key is required: Authorization: Bearer pp_... (register with POST /auth/register).");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        PoolApiErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "FORBIDDEN", "This endpoint needs the administrator key.");

    private static AuthenticateResult Success(Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private static bool FixedTimeEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}

/// <summary>The signed-in caller.</summary>
internal static class CallerExtensions
{
    /// <summary>Gets the user id of a key-authenticated caller, or <see langword="null"/> for the administrator.</summary>
    public static Guid? UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;
}
