using ProxyKit.Pool;
using ProxyKit.Pool.Sessions;

namespace ProxyKit.Server.Pool;

/// <summary>
/// Seed 002: proxies bound to sessions under <c>/api/proxies</c>, with the seed's error body
/// <c>{"error", "message", "details"}</c>. Beyond the seed, the rotation its browser store did, served to every client:
/// <c>POST /api/proxies/next</c>, <c>POST /api/proxies/{id}/report</c>, <c>GET /api/proxies/metrics</c> and
/// <c>POST /api/proxies/{id}/sessions</c>.
/// </summary>
internal static class SessionProxyEndpoints
{
    /// <summary>The path prefix whose errors take this API's shape.</summary>
    public const string Prefix = "/api/proxies";

    public static IEndpointRouteBuilder MapSessionProxyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix).WithTags("Session proxies");
        group.MapGet("/", async (SessionProxyService service, CancellationToken ct) =>
            Results.Json((await service.ListAsync(ct)).Select(p => Describe(p, withSessions: true))))
            .WithSummary("Lists every proxy with its sessions and counters.");

        group.MapPost("/", async (CreateRequest? body, SessionProxyService service, CancellationToken ct) =>
        {
            if (body is null)
            {
                return Error(SessionProxyErrorCodes.InvalidRequest, "A JSON object body is required.");
            }

            var created = await service.CreateAsync(
                new SessionProxyCreate { Ip = body.Ip, Port = body.Port, Username = body.Username, Password = body.Password, Session = body.Session }, ct);
            return created.Succeeded
                ? Results.Json(Describe(created.Value!, withSessions: true), statusCode: StatusCodes.Status201Created)
                : Failure(created.Error!);
        }).WithSummary("Adds a proxy with its first session (409 duplicate_proxy for the same ip and port, duplicate_session for a bound cookie).");

        group.MapGet("/{proxyId:long}", async (long proxyId, SessionProxyService service, CancellationToken ct) =>
            await service.GetAsync(proxyId, ct) is { } proxy ? Results.Json(Describe(proxy, withSessions: true)) : NotFound(proxyId))
            .WithSummary("One proxy with its sessions and counters.");

        group.MapDelete("/{proxyId:long}", async (long proxyId, SessionProxyService service, CancellationToken ct) =>
            await service.DeleteAsync(proxyId, ct) ? Results.NoContent() : NotFound(proxyId))
            .WithSummary("Deletes a proxy and its sessions.");

        group.MapPatch("/{proxyId:long}/status", async (long proxyId, StatusRequest? body, SessionProxyService service, CancellationToken ct) =>
        {
            if (body is null)
            {
                return Error(SessionProxyErrorCodes.InvalidRequest, "A JSON object body with status is required.");
            }

            var updated = await service.SetStatusAsync(proxyId, body.Status, ct);
            return updated.Succeeded ? Results.Json(Describe(updated.Value!, withSessions: false)) : Failure(updated.Error!);
        }).WithSummary("Sets a proxy active or disabled; active also ends an automatic cooldown.");

        group.MapPost("/{proxyId:long}/sessions", async (long proxyId, SessionRequest? body, SessionProxyService service, CancellationToken ct) =>
        {
            if (body is null)
            {
                return Error(SessionProxyErrorCodes.InvalidRequest, "A JSON object body with session is required.");
            }

            var added = await service.AddSessionAsync(proxyId, body.Session, ct);
            return added.Succeeded
                ? Results.Json(Describe(added.Value!), statusCode: StatusCodes.Status201Created)
                : Failure(added.Error!);
        }).WithSummary("Binds one more session to a proxy (409 session_limit at the configured cap).");

        group.MapPatch("/{proxyId:long}/sessions/{sessionId:long}/status", async (long proxyId, long sessionId, StatusRequest? body, SessionProxyService service, CancellationToken ct) =>
        {
            if (body is null)
            {
                return Error(SessionProxyErrorCodes.InvalidRequest, "A JSON object body with status is required.");
            }

            var updated = await service.SetSessionStatusAsync(proxyId, sessionId, body.Status, ct);
            return updated.Succeeded ? Results.Json(Describe(updated.Value!)) : Failure(updated.Error!);
        }).WithSummary("Sets a session active or disabled (next refuses a disabled session rather than moving it).");

        group.MapDelete("/{proxyId:long}/sessions/{sessionId:long}", async (long proxyId, long sessionId, SessionProxyService service, CancellationToken ct) =>
            await service.DeleteSessionAsync(proxyId, sessionId, ct)
                ? Results.NoContent()
                : Error(SessionProxyErrorCodes.NotFound, "The proxy has no such session.",
                    new Dictionary<string, object?> { ["proxy_id"] = proxyId, ["session_id"] = sessionId }, StatusCodes.Status404NotFound))
            .WithSummary("Unbinds a session from its proxy, freeing a place under the sessions cap.");

        group.MapPost("/next", async (HttpRequest request, SessionProxyService service, CancellationToken ct) =>
        {
            // The body is optional: no body (or {}) asks for any proxy.
            NextRequest? body = null;
            if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
            {
                if (!request.HasJsonContentType())
                {
                    return Error(SessionProxyErrorCodes.InvalidRequest, "The body must be JSON (Content-Type: application/json).");
                }

                try
                {
                    body = await request.ReadFromJsonAsync<NextRequest>(ct);
                }
                catch (System.Text.Json.JsonException ex)
                {
                    return Error(SessionProxyErrorCodes.InvalidRequest, $"Invalid request: {ex.Message}");
                }
            }

            var next = await service.NextAsync(body?.Session, ct);
            if (!next.Succeeded)
            {
                return Failure(next.Error!);
            }

            var ticket = next.Value!;
            var p = ticket.Proxy;
            return Results.Json(new
            {
                ticket = ticket.Ticket,
                expires_at = ticket.ExpiresAt,
                state = StateName(ticket.State),
                session_bound = ticket.SessionBound,
                session = ticket.Session is { } s ? Describe(s) : null,
                proxy = new { id = p.Id, ip = p.Ip, port = p.Port, username = p.Username, password = p.Password },
            });
        }).WithSummary("Hands out the proxy to use for one request: the session's own, or one chosen by rotation (503 no_proxy_available with Retry-After).");

        group.MapPost("/{proxyId:long}/report", async (long proxyId, ReportRequest? body, SessionProxyService service, CancellationToken ct) =>
        {
            if (body is null)
            {
                return Error(SessionProxyErrorCodes.InvalidRequest, "A JSON object body with success is required.");
            }

            var reported = await service.ReportAsync(
                proxyId, new SessionProxyReport { Success = body.Success, LatencyMs = body.LatencyMs, StatusCode = body.StatusCode, Ticket = body.Ticket }, ct);
            if (!reported.Succeeded)
            {
                return Failure(reported.Error!);
            }

            var r = reported.Value!;
            return Results.Json(new
            {
                proxy_id = r.ProxyId,
                failed = r.Failed,
                blocked = r.Blocked,
                error_count = r.ErrorCount,
                cooldown_until = r.CooldownUntil,
                cooldown_started = r.CooldownStarted,
                ticket_released = r.TicketReleased,
            });
        }).WithSummary("Records the outcome of a request through the proxy; frees the ticket's in-flight slot.");

        group.MapGet("/metrics", async (SessionProxyService service, CancellationToken ct) =>
        {
            var m = await service.GetMetricsAsync(ct);
            return Results.Json(new
            {
                generated_at = m.GeneratedAt,
                health_window_seconds = (long)m.HealthWindow.TotalSeconds,
                proxies = new { total = m.Proxies, available = m.Available, cooling_down = m.CoolingDown, disabled = m.Disabled },
                sessions = m.Sessions,
                total_requests = m.TotalRequests,
                failed_requests = m.FailedRequests,
                blocked_requests = m.BlockedRequests,
                requests_this_hour = m.RequestsThisHour,
                in_flight = m.InFlight,
                window = Describe(m.Window),
                per_proxy = m.PerProxy.Select(e => new
                {
                    id = e.Id,
                    ip = e.Ip,
                    port = e.Port,
                    state = StateName(e.State),
                    window = Describe(e.Window),
                    weight = Math.Round(e.Weight, 4),
                    in_flight = e.InFlight,
                    requests_this_hour = e.RequestsThisHour,
                    error_count = e.ErrorCount,
                    cooldown_until = e.CooldownUntil,
                }),
            });
        }).WithSummary("Aggregated performance: counters, outcomes over the health window, in-flight requests, each proxy's state and weight.");

        return endpoints;
    }

    /// <summary>Writes an error of this API's shape (for the error middleware).</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = code, message, details = new { } });
    }

    private static object Describe(SessionProxy p, bool withSessions) => withSessions
        ? new
        {
            id = p.Id, ip = p.Ip, port = p.Port, username = p.Username, password = p.Password, is_active = p.IsActive,
            total_requests = p.TotalRequests, failed_requests = p.FailedRequests, requests_this_hour = p.RequestsThisHour, error_count = p.ErrorCount,
            created_at = p.CreatedAt, updated_at = p.UpdatedAt, sessions = p.Sessions.Select(Describe),
            blocked_requests = p.BlockedRequests, cooldown_until = p.CooldownUntil, last_used_at = p.LastUsedAt,
        }
        : new
        {
            id = p.Id, ip = p.Ip, port = p.Port, username = p.Username, password = p.Password, is_active = p.IsActive,
            total_requests = p.TotalRequests, failed_requests = p.FailedRequests, requests_this_hour = p.RequestsThisHour, error_count = p.ErrorCount,
            created_at = p.CreatedAt, updated_at = p.UpdatedAt,
            blocked_requests = p.BlockedRequests, cooldown_until = p.CooldownUntil, last_used_at = p.LastUsedAt,
        };

    private static object Describe(ProxySession s) => new { id = s.Id, session = s.Session, status = s.Status };

    private static object Describe(SessionProxyWindowMetrics w) => new
    {
        requests = w.Requests,
        successes = w.Successes,
        failures = w.Failures,
        blocked = w.Blocked,
        success_rate = w.SuccessRate is { } rate ? Math.Round(rate, 4) : (double?)null,
        avg_latency_ms = w.AverageLatencyMs is { } ms ? Math.Round(ms, 1) : (double?)null,
    };

    private static string StateName(SessionProxyState state) => state switch
    {
        SessionProxyState.Available => "available",
        SessionProxyState.Probation => "probation",
        SessionProxyState.CoolingDown => "cooling_down",
        _ => "disabled",
    };

    private static IResult NotFound(long proxyId) =>
        Error(SessionProxyErrorCodes.NotFound, "The proxy does not exist.", new Dictionary<string, object?> { ["proxy_id"] = proxyId }, StatusCodes.Status404NotFound);

    private static IResult Failure(ProxyKitError error)
    {
        var status = error.Code switch
        {
            SessionProxyErrorCodes.NotFound => StatusCodes.Status404NotFound,
            SessionProxyErrorCodes.DuplicateProxy or SessionProxyErrorCodes.DuplicateSession
                or SessionProxyErrorCodes.SessionLimit or SessionProxyErrorCodes.SessionDisabled => StatusCodes.Status409Conflict,
            SessionProxyErrorCodes.NoProxyAvailable => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        };
        var result = Error(error.Code, error.Message, error.Details, status);
        return error.Details?.GetValueOrDefault("retry_after_seconds") is int retryAfter
            ? new WithRetryAfter(result, retryAfter)
            : result;
    }

    private static IResult Error(string code, string message, IReadOnlyDictionary<string, object?>? details = null, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new { error = code, message, details = details ?? new Dictionary<string, object?>() }, statusCode: status);

    /// <summary>Adds <c>Retry-After</c> to an error result.</summary>
    private sealed class WithRetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }

    internal sealed record CreateRequest(string? Ip, int? Port, string? Username, string? Password, string? Session);

    internal sealed record StatusRequest(string? Status);

    internal sealed record SessionRequest(string? Session);

    internal sealed record NextRequest(string? Session);

    internal sealed record ReportRequest(bool? Success, double? LatencyMs, int? StatusCode, string? Ticket);
}
