using ProxyKit.Pool;
using ProxyKit.Pool.Leasing;
using ProxyKit.Server.Accounts;

namespace ProxyKit.Server.Pool;

/// <summary>
/// Seed 003's leases: <c>POST /proxies/acquire</c> (1 credit; an <c>Idempotency-Key</c> makes a retry return the same
/// lease) and <c>POST /proxies/acquire/{lease_id}/release</c>, which answers 200 with
/// <c>{lease_id, status, released_at}</c> (repeating it answers the same; no refund).
/// </summary>
internal static class LeaseEndpoints
{
    public static IEndpointRouteBuilder MapLeaseEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var leases = endpoints.MapGroup("/proxies/acquire").RequireAuthorization(Policies.User).WithTags("Proxies");
        leases.MapPost("/", AcquireAsync).WithIdempotency()
            .WithSummary("Leases the best-scoring free active proxy matching the filters, for 1 credit (402 without, 404 no match, 409 all leased).");
        leases.MapPost("/{leaseId}/release", async (string leaseId, HttpContext http, ProxyLeaseService service, CancellationToken ct) =>
        {
            if (!Guid.TryParse(leaseId, out var id))
            {
                return PoolApiErrors.Result(404, PoolErrorCodes.NotFound, "You have no lease with this id.", new { lease_id = leaseId });
            }

            var released = await service.ReleaseAsync(http.User.UserId()!.Value, id, ct);
            return released.Succeeded
                ? Results.Json(new { lease_id = released.Value!.LeaseId, status = released.Value.Status, released_at = released.Value.EndedAt })
                : Failure(released.Error!);
        }).WithSummary("Ends a lease early: the proxy is available at once; the credit is not refunded.");
        return endpoints;
    }

    private static async Task<IResult> AcquireAsync(AcquireRequest? body, HttpContext http, ProxyLeaseService service, CancellationToken ct)
    {
        var key = http.Request.Headers[IdempotencyFilter.HeaderName].ToString();
        var request = new LeaseRequest
        {
            Protocol = body?.Protocol,
            Country = body?.Country,
            Anonymity = body?.Anonymity,
            MinScore = body?.MinScore,
            LeaseDurationSeconds = body?.LeaseDurationSeconds,
        };
        var acquired = await service.AcquireAsync(http.User.UserId()!.Value, request, key.Length == 0 ? null : key, ct);
        if (!acquired.Succeeded)
        {
            return Failure(acquired.Error!);
        }

        var lease = acquired.Value!;
        var p = lease.Proxy;
        object proxy = p.HasCredentials
            ? new { ip = p.Ip, port = p.Port, protocol = p.Protocol, country = p.Country, anonymity = p.Anonymity, username = p.Username, password = p.Password }
            : new { ip = p.Ip, port = p.Port, protocol = p.Protocol, country = p.Country, anonymity = p.Anonymity };
        return Results.Json(new { lease_id = lease.LeaseId, proxy, expires_at = lease.ExpiresAt, credits_remaining = lease.CreditsRemaining });
    }

    private static IResult Failure(ProxyKitError error)
    {
        var status = error.Code switch
        {
            LeaseErrorCodes.InsufficientCredits => StatusCodes.Status402PaymentRequired,
            LeaseErrorCodes.NoMatchingProxy or PoolErrorCodes.NotFound => StatusCodes.Status404NotFound,
            LeaseErrorCodes.AllLeased => StatusCodes.Status409Conflict,
            LeaseErrorCodes.IdempotencyKeyReused => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status400BadRequest,
        };
        return PoolApiErrors.Result(status, error.Code, error.Message, error.Details);
    }

    internal sealed record AcquireRequest(string? Protocol, string? Country, string? Anonymity, double? MinScore, int? LeaseDurationSeconds);
}
