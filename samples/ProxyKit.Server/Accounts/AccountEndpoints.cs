using Microsoft.Extensions.Options;
using ProxyKit.Accounts;
using ProxyKit.Accounts.Keys;
using ProxyKit.Accounts.Ledger;
using ProxyKit.Accounts.Users;
using ProxyKit.Coordination;
using ProxyKit.Leasing;
using ProxyKit.Ledger;

namespace ProxyKit.Server.Accounts;

/// <summary>Seed 003's accounts domain: registration, API keys, the account, its credits and leases, and admin grants.</summary>
internal static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/auth/register", RegisterAsync).AllowAnonymous().WithTags("Accounts")
            .WithSummary("Creates a user and its first API key (shown only in this response).");

        var keys = endpoints.MapGroup("/auth/keys").RequireAuthorization(Policies.User).WithTags("Accounts");
        keys.MapPost("/", async (CreateKeyRequest? body, HttpContext http, ApiKeyService service, CancellationToken ct) =>
        {
            var created = await service.CreateKeyAsync(http.User.UserId()!.Value.ToString("D"), body?.Label, ct);
            return created.Succeeded
                ? Results.Json(Describe(created.ApiKey), statusCode: 201)
                : Refused(created.Error!.Value, created.Message!);
        }).WithSummary("Creates another API key for the caller (shown only in this response).");
        keys.MapGet("/", async (HttpContext http, ApiKeyService service, CancellationToken ct) =>
        {
            var items = (await service.ListKeysAsync(http.User.UserId()!.Value.ToString("D"), ct)).Select(k => new
            {
                id = k.Id,
                prefix = k.Prefix,
                label = k.Label,
                created_at = k.CreatedAt,
                last_used_at = k.LastUsedAt,
                revoked_at = k.RevokedAt,
                is_active = k.IsActive,
            }).ToList();
            return Results.Json(new { items, next_cursor = (string?)null, total_count = items.Count });
        }).WithSummary("Lists the caller's API keys: prefix and metadata, never the key.");
        keys.MapDelete("/{keyId}", async (string keyId, HttpContext http, ApiKeyService service, CancellationToken ct) =>
            await service.RevokeKeyAsync(http.User.UserId()!.Value.ToString("D"), keyId, ct)
                ? Results.NoContent()
                : PoolApiErrors.Result(404, "NOT_FOUND", $"No active API key {keyId} of yours."))
            .WithSummary("Revokes an API key, at once on every host.");

        var account = endpoints.MapGroup("/account").RequireAuthorization(Policies.User).WithTags("Accounts");
        account.MapGet("/", async (HttpContext http, ApiKeyService service, CreditLedger ledger, CancellationToken ct) =>
        {
            var userId = http.User.UserId()!.Value;
            var user = await service.GetUserAsync(userId.ToString("D"), ct);
            return user is null
                ? PoolApiErrors.Result(404, "NOT_FOUND", "The account no longer exists.")
                : Results.Json(new
                {
                    id = user.Id,
                    email = user.Email,
                    display_name = user.DisplayName,
                    created_at = user.CreatedAt,
                    credits = await ledger.GetBalanceAsync(userId, LedgerAsset.Credits, ct),
                    usd_balance = Dollars(await ledger.GetBalanceAsync(userId, LedgerAsset.Usd, ct)),
                });
        }).WithSummary("The caller's account and balances.");
        account.MapGet("/credits", async (HttpContext http, CreditLedger ledger, CancellationToken ct) =>
        {
            var userId = http.User.UserId()!.Value;
            var transactions = await ledger.GetTransactionsAsync(userId, LedgerAsset.Credits, 20, ct);
            return Results.Json(new
            {
                balance = await ledger.GetBalanceAsync(userId, LedgerAsset.Credits, ct),
                recent_transactions = transactions.Select(t => new { amount = t.Amount, tx_type = t.TxType, description = t.Description, created_at = t.CreatedAt }),
            });
        }).WithSummary("The credit balance and the most recent transactions.");
        account.MapGet("/leases", async (HttpContext http, IServiceProvider services, CancellationToken ct) =>
        {
            var directory = services.GetService<ILeaseDirectory>();
            var leases = directory is null ? [] : await directory.GetActiveLeasesAsync(http.User.UserId()!.Value, ct);
            var items = leases.Select(l => new
            {
                lease_id = l.LeaseId,
                proxy = new { ip = l.Ip, port = l.Port, protocol = l.Protocol, country = l.Country, anonymity = l.Anonymity },
                acquired_at = l.AcquiredAt,
                expires_at = l.ExpiresAt,
            }).ToList();
            return Results.Json(new { items, next_cursor = (string?)null, total_count = items.Count });
        }).WithSummary("The caller's active proxy leases (from ProxyKit.Pool when it is present).");

        var admin = endpoints.MapGroup("/admin").RequireAuthorization(Policies.Admin).WithTags("Accounts (admin)");
        admin.MapPost("/accounts/{userId:guid}/grants", async (Guid userId, GrantRequest? body, HttpContext http, ApiKeyService service, CreditLedger ledger, CancellationToken ct) =>
        {
            if (body?.Amount is not > 0 || body.Amount > 1_000_000_000)
            {
                return PoolApiErrors.Result(422, "VALIDATION_ERROR", "amount must be a whole number of minor units (credits, or cents for usd) from 1 to 1,000,000,000.");
            }

            var asset = body.Asset?.ToLowerInvariant() switch
            {
                null or "credits" => LedgerAsset.Credits,
                "usd" => LedgerAsset.Usd,
                _ => (LedgerAsset?)null,
            };
            if (asset is null)
            {
                return PoolApiErrors.Result(422, "VALIDATION_ERROR", "asset must be \"credits\" or \"usd\".");
            }

            if (await service.GetUserAsync(userId.ToString("D"), ct) is null)
            {
                return PoolApiErrors.Result(404, "NOT_FOUND", $"No user {userId}.");
            }

            // The ledger's own idempotency key follows the client's, so a retried grant issues nothing twice.
            var key = http.Request.Headers[IdempotencyFilter.HeaderName].ToString() is { Length: > 0 } given ? $"grant:{given}" : $"grant:{Guid.NewGuid():N}";
            var result = await ledger.GrantAsync(new LedgerGrant(userId, asset.Value, body.Amount.Value, key, body.Description ?? "Credit purchase"), ct);
            return Results.Json(new
            {
                transfer_id = result.TransferId,
                user_id = userId,
                asset = asset.Value.Code,
                amount = body.Amount,
                balance = result.BalanceAfter,
            }, statusCode: 201);
        }).WithIdempotency().WithSummary("Grants credits or USD (in cents) to a user: the seed's \"Credit purchase\".");
        return endpoints;
    }

    private static async Task<IResult> RegisterAsync(
        RegisterRequest? body, HttpContext http, ApiKeyService service, IKeyedRateLimiter limiter, IOptions<AccountsOptions> options, CancellationToken ct)
    {
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var decision = await limiter.TryAcquireAsync($"accounts:register:{client}", new RateLimitRule(options.Value.RegistrationsPerHourPerIp, TimeSpan.FromHours(1)), 1, ct);
        if (!decision.IsAllowed)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(decision.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return PoolApiErrors.Result(429, "RATE_LIMITED", "Too many registrations from this address; try again later.");
        }

        var registered = await service.RegisterAsync(body?.Email, body?.DisplayName, ct);
        if (!registered.Succeeded)
        {
            return Refused(registered.Error!.Value, registered.Message!);
        }

        return Results.Json(new
        {
            user = new { id = registered.User.Id, email = registered.User.Email, display_name = registered.User.DisplayName },
            api_key = Describe(registered.ApiKey),
        }, statusCode: 201);
    }

    private static object Describe(NewApiKey key) => new { id = key.Id, key = key.Key, prefix = key.Prefix, label = key.Label, created_at = key.CreatedAt };

    private static IResult Refused(AccountError error, string message) => error switch
    {
        AccountError.EmailTaken => PoolApiErrors.Result(409, "EMAIL_TAKEN", message),
        AccountError.UserNotFound => PoolApiErrors.Result(404, "NOT_FOUND", message),
        _ => PoolApiErrors.Result(422, "VALIDATION_ERROR", message),
    };

    private static decimal Dollars(long cents) => cents / 100m;
}

/// <summary>The authorization policies of seed 003's endpoints.</summary>
internal static class Policies
{
    /// <summary>A user's API key.</summary>
    public const string User = "proxykit-user";

    /// <summary>The administrator key.</summary>
    public const string Admin = "proxykit-admin";
}

/// <summary>The body of <c>POST /auth/register</c>.</summary>
/// <param name="Email">The user's email.</param>
/// <param name="DisplayName">The user's display name.</param>
public sealed record RegisterRequest(string? Email, string? DisplayName);

/// <summary>The body of <c>POST /auth/keys</c>.</summary>
/// <param name="Label">A label for the key (default <c>default</c>).</param>
public sealed record CreateKeyRequest(string? Label);

/// <summary>The body of <c>POST /admin/accounts/{user_id}/grants</c>.</summary>
/// <param name="Amount">Minor units: credits, or cents for <c>usd</c>.</param>
/// <param name="Asset"><c>credits</c> (default) or <c>usd</c>.</param>
/// <param name="Description">Shown in the user's transactions (default "Credit purchase").</param>
public sealed record GrantRequest(long? Amount, string? Asset, string? Description);
