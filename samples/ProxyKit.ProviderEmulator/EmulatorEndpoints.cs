using System.Globalization;

namespace ProxyKit.ProviderEmulator;

/// <summary>The provider API under <c>/api/v1/authorized/</c> and the control endpoints under <c>/_emulator/</c>.</summary>
public static class EmulatorEndpoints
{
    /// <summary>The API's path prefix.</summary>
    public const string ApiPrefix = "/api/v1/authorized";

    /// <summary>Maps every endpoint.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var state = app.Services.GetRequiredService<EmulatorState>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        var stopping = app.Lifetime.ApplicationStopping;

        var api = app.MapGroup(ApiPrefix).AddEndpointFilter(async (context, next) =>
        {
            var header = context.HttpContext.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal) || !string.Equals(header["Bearer ".Length..], state.Token, StringComparison.Ordinal))
            {
                return Error(StatusCodes.Status401Unauthorized, "unauthorized");
            }

            if (state.CountRequestAndRateLimit())
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return Error(StatusCodes.Status429TooManyRequests, "rate_limited");
            }

            return await next(context).ConfigureAwait(false);
        });

        api.MapGet("/proxies", async (string? country_code, string? city, string? type, int? page, int? page_size, CancellationToken aborted) =>
        {
            var faults = state.Faults;
            await DelayAsync(faults.ListLatencyMs, time, aborted).ConfigureAwait(false);
            var p = page ?? 0;
            var size = page_size ?? 100;
            if (p < 0 || size < 1 || size > 1000)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request");
            }

            if (faults.ListStatus != 0)
            {
                return Error(faults.ListStatus, "internal_error");
            }

            if (faults.ListFailAfterPages is { } okPages && p >= okPages)
            {
                return Error(StatusCodes.Status500InternalServerError, "internal_error");
            }

            var (items, total) = state.List(country_code, city, type, p, size, faults.TruncatePages);
            return Results.Ok(new
            {
                Total = total,
                Page = p,
                PageSize = size,
                Proxies = items.Select(x => new { x.ProxyId, x.Country, x.CountryCode, x.City, x.Isp, x.Speed, x.Mobile, x.Hosting, x.Status }),
            });
        });

        api.MapPost("/proxies/{proxyId:long}/buy", async (long proxyId, CancellationToken aborted) =>
        {
            state.CountBuyAttempt();
            var faults = state.Faults;
            await DelayAsync(faults.BuyLatencyMs, time, aborted).ConfigureAwait(false);
            switch (faults.BuyMode)
            {
                case "error_before_sale":
                    return Error(StatusCodes.Status500InternalServerError, "internal_error");
                case "insufficient_balance":
                    return Error(StatusCodes.Status402PaymentRequired, "insufficient_balance");
            }

            var (outcome, purchase) = state.Buy(proxyId);
            switch (outcome)
            {
                case "not_found":
                    return Error(StatusCodes.Status404NotFound, "not_found");
                case "sold_out":
                    return Error(StatusCodes.Status409Conflict, "sold_out");
                case "insufficient_balance":
                    return Error(StatusCodes.Status402PaymentRequired, "insufficient_balance");
            }

            switch (faults.BuyMode)
            {
                case "error_after_sale":
                    return Error(StatusCodes.Status500InternalServerError, "internal_error");
                case "timeout_after_sale":
                    using (var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping))
                    {
                        try
                        {
                            await Task.Delay(TimeSpan.FromMinutes(10), time, linked.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return Results.Empty;
                        }
                    }

                    break;
            }

            var sold = purchase!;
            return Results.Ok(new { sold.CredentialsId, sold.ProxyId, sold.Ip, sold.Port, sold.Login, sold.Password, BoughtAt = sold.BoughtAt.UtcDateTime });
        });

        api.MapGet("/purchased", (string? since) =>
        {
            DateTimeOffset? from = null;
            if (!string.IsNullOrEmpty(since))
            {
                if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return Error(StatusCodes.Status400BadRequest, "invalid_request");
                }

                from = parsed;
            }

            return Results.Ok(new
            {
                Purchased = state.Purchased(from).Select(p => new { p.CredentialsId, p.ProxyId, p.Ip, p.Port, p.Login, p.Password, BoughtAt = p.BoughtAt.UtcDateTime, p.Status }),
            });
        });

        api.MapGet("/purchased/{credentialsId:long}", (long credentialsId) =>
            state.FindPurchase(credentialsId) is { } p
                ? Results.Ok(new { p.CredentialsId, p.ProxyId, p.Status })
                : Error(StatusCodes.Status404NotFound, "not_found"));

        api.MapGet("/balance", () => Results.Ok(new { state.Balance }));

        var control = app.MapGroup("/_emulator");
        control.MapPost("/reset", (EmulatorReset? reset) =>
        {
            state.Reset(reset ?? new EmulatorReset());
            return Results.Ok(state.Snapshot());
        });
        control.MapPost("/faults", (EmulatorFaults? faults) =>
        {
            state.SetFaults(faults ?? new EmulatorFaults());
            return Results.Ok(state.Faults);
        });
        control.MapPost("/purchased/{credentialsId:long}/status", (long credentialsId, StatusBody body) =>
            state.SetPurchasedStatus(credentialsId, body.Status) ? Results.NoContent() : Error(StatusCodes.Status404NotFound, "not_found"));
        control.MapPost("/proxies/{proxyId:long}/status", (long proxyId, StatusBody body) =>
            state.SetProxyStatus(proxyId, body.Status) ? Results.NoContent() : Error(StatusCodes.Status404NotFound, "not_found"));
        control.MapGet("/state", () => Results.Ok(state.Snapshot()));
    }

    private static IResult Error(int status, string error) => Results.Json(new { Error = error }, statusCode: status);

    private static Task DelayAsync(int milliseconds, TimeProvider time, CancellationToken cancellationToken) =>
        milliseconds > 0 ? Task.Delay(TimeSpan.FromMilliseconds(milliseconds), time, cancellationToken) : Task.CompletedTask;

    /// <summary>The body of the status control endpoints.</summary>
    /// <param name="Status">The new status (1 = online).</param>
    public sealed record StatusBody(int Status);
}
