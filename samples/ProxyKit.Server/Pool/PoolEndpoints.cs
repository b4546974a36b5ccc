using System.Globalization;
using System.Text.Json;
using ProxyKit.Pool;
using ProxyKit.Pool.Checking;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Parsing;
using ProxyKit.Pool.Probing;
using ProxyKit.Pool.Proxies;
using ProxyKit.Pool.Sources;
using ProxyKit.Server.Accounts;

namespace ProxyKit.Server.Pool;

/// <summary>Seed 003's proxy domain: sources and scraping, the proxy query API, and pool statistics.</summary>
internal static class PoolEndpoints
{
    public static IEndpointRouteBuilder MapPoolEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var sources = endpoints.MapGroup("/sources").RequireAuthorization(Policies.User).WithTags("Sources");
        sources.MapGet("/", ListSourcesAsync).WithSummary("Lists sources, oldest first (is_active, limit, cursor).");
        sources.MapPost("/", CreateSourceAsync).WithSummary("Adds a source; without parser_name its format is detected from its content now.");
        sources.MapGet("/{sourceId}", async (string sourceId, ProxySourceService service, CancellationToken ct) =>
            await service.GetAsync(sourceId, ct) is { } source ? Results.Json(Describe(source)) : SourceNotFound(sourceId))
            .WithSummary("One source with its scrape statistics.");
        sources.MapPatch("/{sourceId}", UpdateSourceAsync).WithSummary("Changes the given fields of a source.");
        sources.MapDelete("/{sourceId}", async (string sourceId, ProxySourceService service, CancellationToken ct) =>
            await service.DeleteAsync(sourceId, ct) ? Results.NoContent() : SourceNotFound(sourceId))
            .WithSummary("Deletes a source; the proxies it found stay in the pool.");
        sources.MapPost("/{sourceId}/scrape", async (string sourceId, ProxySourceService service, CancellationToken ct) =>
        {
            var result = await service.ScrapeNowAsync(sourceId, ct);
            return result.Succeeded
                ? Results.Json(new
                {
                    source_id = result.Value!.SourceId,
                    proxies_discovered = result.Value.ProxiesDiscovered,
                    proxies_new = result.Value.ProxiesNew,
                    proxies_updated = result.Value.ProxiesUpdated,
                    duration_ms = result.Value.DurationMs,
                    records_rejected = result.Value.Rejected,
                    duplicates = result.Value.Duplicates,
                })
                : Failure(result.Error!, fetchFailureStatus: StatusCodes.Status502BadGateway);
        }).WithSummary("Scrapes a source now, bypassing its schedule.");

        var proxies = endpoints.MapGroup("/proxies").RequireAuthorization(Policies.User).WithTags("Proxies");
        proxies.MapGet("/", QueryProxiesAsync).WithSummary("Queries the pool: filters, sort and keyset pagination (a consistent snapshot across pages).");
        proxies.MapGet("/{proxyId}", async (string proxyId, ProxyPoolService pool, CancellationToken ct) =>
            await pool.GetAsync(proxyId, ct) is { } details
                ? Results.Json(new
                {
                    proxy = Describe(details.Proxy),
                    recent_checks = details.RecentChecks.Select(c => new
                    {
                        checker_name = c.CheckerName,
                        stage = c.Stage,
                        passed = c.Passed,
                        latency_ms = c.LatencyMs,
                        detail = c.Detail,
                        created_at = c.CreatedAt,
                    }),
                })
                : PoolApiErrors.Result(404, PoolErrorCodes.NotFound, "No proxy has this id.", new { proxy_id = proxyId }))
            .WithSummary("One proxy with its recent checks.");

        proxies.MapPost("/test", async (ProxyTestRequest? body, ProxyProbeService probes, CancellationToken ct) =>
        {
            if (body is null || string.IsNullOrWhiteSpace(body.Url))
            {
                return Invalid("url", "A JSON body with url is required.");
            }

            var report = await probes.TestAsync(new ProxyProbeRequest(body.Url, body.Count ?? 5, body.TimeoutSeconds ?? 10, body.Protocol, body.Country), ct);
            return report.Succeeded
                ? Results.Json(new
                {
                    url = report.Value!.Url,
                    results = report.Value.Results.Select(r => new
                    {
                        proxy_id = r.ProxyId,
                        ip = r.Ip,
                        port = r.Port,
                        reachable = r.Reachable,
                        status_code = r.StatusCode,
                        latency_ms = r.LatencyMs,
                        error = r.Error,
                    }),
                    success_rate = report.Value.SuccessRate,
                })
                : Failure(report.Error!);
        }).WithSummary("Fetches a URL through up to count good proxies concurrently: per-proxy results and success_rate.");

        var stats = endpoints.MapGroup("/stats").RequireAuthorization(Policies.User).WithTags("Stats");
        stats.MapGet("/pool", async (ProxyPoolService pool, CancellationToken ct) =>
        {
            var s = await pool.GetStatisticsAsync(ct);
            return Results.Json(new
            {
                total_proxies = s.TotalProxies,
                by_status = WithZeros(s.ByStatus, "active", "dead", "unchecked"),
                by_protocol = WithZeros(s.ByProtocol, "http", "https", "socks4", "socks5"),
                by_anonymity = WithZeros(s.ByAnonymity, "transparent", "anonymous", "elite"),
                avg_score = s.AvgScore is { } score ? Math.Round(score, 4) : (double?)null,
                avg_latency_ms = s.AvgLatencyMs is { } latency ? Math.Round(latency, 1) : (double?)null,
                sources_active = s.SourcesActive,
                sources_total = s.SourcesTotal,
                last_scrape_at = s.LastScrapeAt,
                last_validation_at = s.LastValidationAt,
            });
        }).WithSummary("Pool health: counts by status, protocol and anonymity, averages, sources.");
        stats.MapGet("/plugins", (ProxyParserRegistry parsers, IEnumerable<IProxyChecker> checkers, IEnumerable<IPoolNotifier> notifiers) => Results.Json(new
        {
            parsers = parsers.Parsers.Select(p => new { name = p.Name, type = "SourceParser" }),
            checkers = checkers.OrderBy(c => c.Stage).ThenBy(c => c.Priority).Select(c => new { name = c.Name, stage = c.Stage, priority = c.Priority }),
            notifiers = notifiers.Select(n => new { name = n.Name, healthy = n.IsHealthy, subscribes_to = n.Subscriptions }),
        })).WithSummary("Registered plugins: parsers, checkers (stage, priority) and notifiers (health, subscriptions).");
        return endpoints;
    }

    private static async Task<IResult> ListSourcesAsync(HttpRequest request, ProxySourceService service, CancellationToken ct)
    {
        var query = request.Query;
        bool? isActive = null;
        if (query.TryGetValue("is_active", out var activeText))
        {
            if (!bool.TryParse(activeText, out var active))
            {
                return Invalid("is_active", "is_active must be true or false.");
            }

            isActive = active;
        }

        if (!TryInt(query, "limit", 50, out var limit))
        {
            return Invalid("limit", "limit must be an integer.");
        }

        var page = await service.ListAsync(isActive, limit, Text(query, "cursor"), ct);
        return page.Succeeded
            ? Results.Json(new { items = page.Value!.Items.Select(Describe), next_cursor = page.Value.NextCursor, total_count = page.Value.TotalCount })
            : Failure(page.Error!);
    }

    private static async Task<IResult> CreateSourceAsync(CreateSourceRequest? body, ProxySourceService service, CancellationToken ct)
    {
        if (body is null)
        {
            return Invalid("url", "A JSON body with url is required.");
        }

        var created = await service.CreateAsync(
            new NewProxySource(body.Url ?? string.Empty, body.ParserName, body.CronSchedule, body.DefaultProtocol, body.IsActive ?? true), ct);
        return created.Succeeded ? Results.Json(Describe(created.Value!), statusCode: StatusCodes.Status201Created) : Failure(created.Error!);
    }

    private static async Task<IResult> UpdateSourceAsync(string sourceId, JsonElement body, ProxySourceService service, CancellationToken ct)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return Invalid("body", "The body must be a JSON object.");
        }

        string? url = null, parser = null, cron = null, protocol = null;
        bool? active = null;
        var clearProtocol = false;
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "url" when value.ValueKind == JsonValueKind.String:
                    url = value.GetString();
                    break;
                case "parser_name" when value.ValueKind == JsonValueKind.String:
                    parser = value.GetString();
                    break;
                case "cron_schedule" when value.ValueKind == JsonValueKind.String:
                    cron = value.GetString();
                    break;
                case "default_protocol" when value.ValueKind == JsonValueKind.String:
                    protocol = value.GetString();
                    break;
                case "default_protocol" when value.ValueKind == JsonValueKind.Null:
                    clearProtocol = true;
                    break;
                case "is_active" when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    active = value.GetBoolean();
                    break;
                case "url" or "parser_name" or "cron_schedule" or "default_protocol" or "is_active":
                    return Invalid(property.Name, $"{property.Name} has the wrong type.");
                default:
                    return Invalid(property.Name, $"Unknown field {property.Name}; a source has url, parser_name, cron_schedule, default_protocol and is_active.");
            }
        }

        var updated = await service.UpdateAsync(sourceId, new ProxySourcePatch(url, parser, cron, protocol, active, clearProtocol), ct);
        return updated.Succeeded ? Results.Json(Describe(updated.Value!)) : Failure(updated.Error!);
    }

    private static async Task<IResult> QueryProxiesAsync(HttpRequest request, ProxyPoolService pool, CancellationToken ct)
    {
        var q = request.Query;
        if (!TryDouble(q, "min_score", out var minScore))
        {
            return Invalid("min_score", "min_score must be a number.");
        }

        if (!TryDouble(q, "max_latency_ms", out var maxLatency))
        {
            return Invalid("max_latency_ms", "max_latency_ms must be a number.");
        }

        if (!TryDouble(q, "min_uptime_pct", out var minUptime))
        {
            return Invalid("min_uptime_pct", "min_uptime_pct must be a number.");
        }

        if (!TryInt(q, "verified_within_minutes", null, out var verifiedWithin))
        {
            return Invalid("verified_within_minutes", "verified_within_minutes must be an integer.");
        }

        if (!TryInt(q, "limit", 50, out int limit))
        {
            return Invalid("limit", "limit must be an integer.");
        }

        var sort = ProxySortField.Score;
        if (Text(q, "sort") is { } sortText)
        {
            switch (sortText.ToLowerInvariant())
            {
                case "score": sort = ProxySortField.Score; break;
                case "latency": sort = ProxySortField.Latency; break;
                case "uptime": sort = ProxySortField.Uptime; break;
                case "last_checked": sort = ProxySortField.LastChecked; break;
                default: return Invalid("sort", "sort must be score, latency, uptime or last_checked.");
            }
        }

        bool? descending = null;
        if (Text(q, "order") is { } orderText)
        {
            switch (orderText.ToLowerInvariant())
            {
                case "asc": descending = false; break;
                case "desc": descending = true; break;
                default: return Invalid("order", "order must be asc or desc.");
            }
        }

        var page = await pool.QueryAsync(new ProxyQuery
        {
            Status = Text(q, "status"),
            Protocol = Text(q, "protocol"),
            Anonymity = Text(q, "anonymity"),
            Country = Text(q, "country"),
            MinScore = minScore,
            MaxLatencyMs = maxLatency,
            MinUptimePct = minUptime,
            VerifiedWithinMinutes = verifiedWithin,
            Sort = sort,
            Descending = descending,
            Limit = limit,
            Cursor = Text(q, "cursor"),
        }, ct);
        return page.Succeeded
            ? Results.Json(new { items = page.Value!.Items.Select(Describe), next_cursor = page.Value.NextCursor, total_count = page.Value.TotalCount })
            : Failure(page.Error!);
    }

    private static object Describe(ProxySource s) => new
    {
        id = s.Id,
        url = s.Url,
        parser_name = s.ParserName,
        cron_schedule = s.CronSchedule,
        default_protocol = s.DefaultProtocol,
        is_active = s.IsActive,
        last_scraped_at = s.LastScrapedAt,
        created_at = s.CreatedAt,
        next_run_at = s.NextRunAt,
        stats = new
        {
            last_success_at = s.Stats.LastSuccessAt,
            last_error = s.Stats.LastError,
            last_error_at = s.Stats.LastErrorAt,
            scrape_count = s.Stats.ScrapeCount,
            failure_count = s.Stats.FailureCount,
            consecutive_failures = s.Stats.ConsecutiveFailures,
            last_proxies_found = s.Stats.LastProxiesFound,
            last_duration_ms = s.Stats.LastDurationMs,
            proxies_yielded = s.Stats.ProxiesYielded,
            proxies_alive = s.Stats.ProxiesAlive,
        },
    };

    private static object Describe(PoolProxy p) => new
    {
        id = p.Id,
        ip = p.Ip,
        port = p.Port,
        protocol = p.Protocol,
        status = p.Status,
        anonymity = p.Anonymity,
        exit_ip = p.ExitIp,
        country = p.Country,
        score = Math.Round(p.Score, 4),
        avg_latency_ms = p.AvgLatencyMs is { } latency ? Math.Round(latency, 1) : (double?)null,
        uptime_pct = p.UptimePct is { } uptime ? Math.Round(uptime, 1) : (double?)null,
        last_checked_at = p.LastCheckedAt,
        first_seen_at = p.FirstSeenAt,
        tags = p.Tags,
        has_credentials = p.HasCredentials,
    };

    private static Dictionary<string, long> WithZeros(IReadOnlyDictionary<string, long> counts, params string[] known)
    {
        var all = known.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
        foreach (var (key, count) in counts)
        {
            all[key] = count;
        }

        return all;
    }

    private static IResult Failure(ProxyKitError error, int fetchFailureStatus = StatusCodes.Status422UnprocessableEntity)
    {
        var status = error.Code switch
        {
            PoolErrorCodes.NotFound => StatusCodes.Status404NotFound,
            PoolErrorCodes.UnknownParser or PoolErrorCodes.UnsupportedContent => StatusCodes.Status422UnprocessableEntity,
            PoolErrorCodes.SourceFetchFailed => fetchFailureStatus,
            PoolErrorCodes.ScrapeInProgress => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        return PoolApiErrors.Result(status, error.Code, error.Message, error.Details);
    }

    private static IResult SourceNotFound(string id) => PoolApiErrors.Result(404, PoolErrorCodes.NotFound, "No source has this id.", new { source_id = id });

    private static IResult Invalid(string field, string message) => PoolApiErrors.Result(400, PoolErrorCodes.InvalidRequest, message, new { field });

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && !string.IsNullOrWhiteSpace(values.ToString()) ? values.ToString() : null;

    private static bool TryDouble(IQueryCollection query, string name, out double? value)
    {
        value = null;
        if (Text(query, name) is not { } text)
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    private static bool TryInt(IQueryCollection query, string name, int? fallback, out int? value)
    {
        value = fallback;
        if (Text(query, name) is not { } text)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }

    private static bool TryInt(IQueryCollection query, string name, int fallback, out int value)
    {
        var ok = TryInt(query, name, (int?)fallback, out int? parsed);
        value = parsed ?? fallback;
        return ok;
    }

    internal sealed record ProxyTestRequest(string? Url, int? Count, int? TimeoutSeconds, string? Protocol, string? Country);

    internal sealed record CreateSourceRequest(string? Url, string? ParserName, string? CronSchedule, string? DefaultProtocol, bool? IsActive);
}
