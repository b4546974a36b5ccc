using System.Net;
using System.Globalization;
using System.Text.Json.Serialization;
using ProxyKit.Relay.Instances;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Server.ProxyInstances;

/// <summary>Seed 000: IPv6 proxy instances under <c>/api</c>, with the seed's request and response fields.</summary>
internal static class ProxyInstanceEndpoints
{
    public static IEndpointRouteBuilder MapProxyInstanceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("IPv6 proxies");

        api.MapPost("/create_proxy", async (CreateProxyRequest? body, RelayInstanceManager manager, CancellationToken ct) =>
            body?.Ttl is <= 0 ? Error(400, "ttl, when given, must be greater than 0 seconds.") : await CreateAsync(manager, body, body?.Interface, body?.Ttl, ct))
            .WithSummary("Creates a proxy instance with a new, never-used IPv6 address.");

        api.MapPost("/proxy/create_temp", async (CreateTempProxyRequest? body, RelayInstanceManager manager, Microsoft.Extensions.Options.IOptions<RelayInstanceOptions> options, CancellationToken ct) =>
        {
            if (body?.Ttl is not { } ttl || ttl <= 0)
            {
                return Error(400, "ttl (seconds, greater than 0) is required.");
            }

            // The interface is optional here: the only configured one is used when there is exactly one.
            var interfaceName = body.Interface ?? (options.Value.Prefixes.Count == 1 ? options.Value.Prefixes.Keys.Single() : null);
            return await CreateAsync(manager, body, interfaceName, ttl, ct);
        }).WithSummary("Creates a temporary proxy instance that is removed after ttl seconds.");

        api.MapGet("/list_proxies", (RelayInstanceManager manager) =>
        {
            var proxies = manager.List().Select(Describe).ToList();
            return TypedResults.Json(new { proxies, total = proxies.Count });
        }).WithSummary("Lists every proxy instance with its stats.");

        api.MapGet("/proxy/{id}", (string id, RelayInstanceManager manager) =>
            manager.Get(id) is { } instance ? Results.Json(Describe(instance)) : Error(404, $"Proxy {id} not found."))
            .WithSummary("One proxy instance with its stats.");

        api.MapGet("/proxy/{id}/test", async (string id, RelayInstanceManager manager, InstanceTester tester, CancellationToken ct) =>
            manager.Get(id) is { } instance ? Results.Json(await tester.TestAsync(instance, ct)) : Error(404, $"Proxy {id} not found."))
            .WithSummary("Fetches the configured echo URL through the instance and reports the egress IP it saw.");

        api.MapGet("/proxy/{id}/logs", (string id, RelayInstanceManager manager) =>
            manager.GetLog(id) is { } log
                ? Results.Json(new { instance_id = id, entries = log.Select(DescribeLogEntry) })
                : Error(404, $"Proxy {id} not found."))
            .WithSummary("The instance's recent log: lifecycle events and finished client connections, oldest first.");

        api.MapGet("/doctor", async (RelayInstanceDoctor doctor, CancellationToken ct) =>
        {
            var checks = await doctor.RunAsync(ct);
            var worst = checks.Count == 0 ? HostCheckStatus.Ok : checks.Max(c => c.Status);
            return Results.Json(new
            {
                status = worst.ToString().ToLowerInvariant(),
                checks = checks.Select(c => new { name = c.Name, status = c.Status.ToString().ToLowerInvariant(), detail = c.Detail }),
            });
        }).WithSummary("Explains why IPv6 egress from instances would fail on this host: privileges, interfaces, on-link vs routed prefixes, routes, firewall.");

        api.MapGet("/echo/ip", (HttpContext context) =>
            Results.Json(new { ip = context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4().ToString() : context.Connection.RemoteIpAddress?.ToString() }))
            .WithSummary("Answers with the caller's address: the echo for /api/proxy/{id}/test, served offline.");

        api.MapDelete("/proxy/{id}", async (string id, RelayInstanceManager manager, CancellationToken ct) =>
            await manager.DeleteAsync(id, ct) ? Results.Json(new { message = $"Proxy {id} deleted." }) : Error(404, $"Proxy {id} not found."))
            .WithSummary("Deletes a proxy instance: listeners closed, address removed.");

        api.MapPost("/proxy/bulk_delete", async (BulkDeleteRequest? body, RelayInstanceManager manager, CancellationToken ct) =>
        {
            if (body?.DeleteAll == true)
            {
                return Results.Json(new { deleted_count = await manager.DeleteAllAsync(ct) });
            }

            if (body?.InstanceIds is not { Count: > 0 } ids)
            {
                return Error(400, "Give instance_ids (a non-empty list) or delete_all: true.");
            }

            return Results.Json(new { deleted_count = await manager.DeleteManyAsync(ids, ct) });
        }).WithSummary("Deletes several instances, or all of them.");

        api.MapPost("/cleanup", async (RelayInstanceManager manager, CancellationToken ct) =>
            Results.Json(new { cleaned_instances = await manager.CleanupExpiredAsync(ct) }))
            .WithSummary("Removes temporary instances whose TTL has passed (a background loop does it too).");

        api.MapGet("/stats", async (RelayInstanceManager manager, IIPv6AddressAllocator allocator, Microsoft.Extensions.Options.IOptions<RelayInstanceOptions> options, CancellationToken ct) =>
        {
            var instances = manager.List();
            var interfaces = new List<object>();
            foreach (var (name, prefix) in options.Value.Prefixes)
            {
                var capacity = await allocator.GetCapacityAsync(IPNetwork.Parse(prefix), ct);
                interfaces.Add(new
                {
                    name,
                    prefix,
                    proxies = instances.Count(i => i.InterfaceName == name),
                    // Beyond the seed: how much of the prefix is used. Counts up to 2^128 are strings (JSON numbers lose them).
                    addresses_issued = capacity.Issued.ToString(CultureInfo.InvariantCulture),
                    addresses_released = capacity.Released,
                    addresses_remaining = capacity.Remaining.ToString(CultureInfo.InvariantCulture),
                });
            }

            return Results.Json(new
            {
                total_proxies = instances.Count,
                total_connections = instances.Sum(i => i.Stats.Connections),
                total_bytes_sent = instances.Sum(i => i.Stats.BytesSent),
                total_bytes_received = instances.Sum(i => i.Stats.BytesReceived),
                interfaces,
            });
        }).WithSummary("Totals over every instance, and the interfaces.");

        return endpoints;
    }

    private static async Task<IResult> CreateAsync(RelayInstanceManager manager, InstanceAccessFields? body, string? interfaceName, double? ttlSeconds, CancellationToken ct)
    {
        RelayInstanceType? parsed = body?.Type?.ToLowerInvariant() switch
        {
            "http" => RelayInstanceType.Http,
            "socks5" => RelayInstanceType.Socks5,
            "both" => RelayInstanceType.Both,
            _ => null,
        };
        if (parsed is null)
        {
            return Error(400, "type must be \"http\", \"socks5\" or \"both\".");
        }

        if ((body!.Username is null) != (body.Password is null))
        {
            return Error(400, "Give both username and password, or neither.");
        }

        RelayCredentials? credentials = null;
        if (body.Username is not null)
        {
            try
            {
                credentials = new RelayCredentials(body.Username, body.Password!);
            }
            catch (ArgumentException ex)
            {
                return Error(400, ex.Message);
            }
        }

        var request = new RelayInstanceRequest(parsed.Value, interfaceName)
        {
            Ttl = ttlSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            Credentials = credentials,
            Limits = new RelayInstanceLimits(body.MaxConnections, body.BandwidthBytesPerSecond),
        };
        var result = await manager.CreateAsync(request, ct);
        if (result.Instance is { } instance)
        {
            return Results.Json(Describe(instance));
        }

        return Error(result.IsClientError ? 400 : 500, result.Message ?? result.Error ?? "Failed to create the proxy.");
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static Dictionary<string, object?> Describe(RelayInstance instance)
    {
        var description = new Dictionary<string, object?>
        {
            ["instance_id"] = instance.Id,
            ["ipv6_address"] = instance.Address.ToString(),
            ["interface"] = instance.InterfaceName,
            ["type"] = instance.Type.ToString().ToLowerInvariant(),
            ["created_at"] = UnixSeconds(instance.CreatedAt),
        };
        if (instance.Type == RelayInstanceType.Both)
        {
            description["endpoints"] = new Dictionary<string, string>
            {
                ["http"] = instance.HttpEndPoint!.ToString(),
                ["socks5"] = instance.Socks5EndPoint!.ToString(),
            };
        }
        else
        {
            description["proxy_endpoint"] = (instance.HttpEndPoint ?? instance.Socks5EndPoint)!.ToString();
        }

        if (instance.ExpiresAt is { } expires)
        {
            description["expires_at"] = UnixSeconds(expires);
        }

        // Beyond the seed, present only when set: who may connect and the instance's limits (never the password).
        if (instance.Username is { } username)
        {
            description["username"] = username;
        }

        if (instance.Limits.MaxConnections is { } maxConnections)
        {
            description["max_connections"] = maxConnections;
        }

        if (instance.Limits.BandwidthBytesPerSecond is { } bandwidth)
        {
            description["bandwidth_bytes_per_second"] = bandwidth;
        }

        description["stats"] = new Dictionary<string, object?>
        {
            ["connections"] = instance.Stats.Connections,
            ["bytes_sent"] = instance.Stats.BytesSent,
            ["bytes_received"] = instance.Stats.BytesReceived,
            ["last_activity_ts"] = instance.Stats.LastActivity is { } last ? UnixSeconds(last) : null,
            ["uptime"] = Math.Round(instance.Stats.Uptime.TotalSeconds, 3),
        };
        return description;
    }

    private static Dictionary<string, object?> DescribeLogEntry(RelayInstanceLogEntry entry)
    {
        var description = new Dictionary<string, object?>
        {
            ["timestamp"] = UnixSeconds(entry.Timestamp),
            ["event"] = entry.Event,
            ["message"] = entry.Message,
        };
        if (entry.Connection is { } connection)
        {
            description["client"] = connection.Client?.ToString();
            description["target"] = connection.Target;
            description["outcome"] = connection.Failure is { } failure ? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString()) : "served";
            description["bytes_sent"] = connection.BytesSent;
            description["bytes_received"] = connection.BytesReceived;
            description["duration_ms"] = Math.Round(connection.Duration.TotalMilliseconds, 1);
        }

        return description;
    }

    // The seed's timestamps are Unix seconds with a fraction (Python's time.time()).
    private static double UnixSeconds(DateTimeOffset instant) => Math.Round(instant.ToUnixTimeMilliseconds() / 1000.0, 3);
}

/// <summary>Fields both create requests share: the type, and optional credentials and limits (beyond the seed).</summary>
public abstract record InstanceAccessFields
{
    /// <summary>Gets <c>http</c>, <c>socks5</c> or <c>both</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Gets the username clients must present (with <see cref="Password"/>); none by default.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the password clients must present; only its hash is stored.</summary>
    public string? Password { get; init; }

    /// <summary>Gets the most concurrent client connections per listener.</summary>
    public int? MaxConnections { get; init; }

    /// <summary>Gets a cap on relayed bytes per second per listener (at least 1024).</summary>
    public long? BandwidthBytesPerSecond { get; init; }
}

/// <summary>The body of <c>POST /api/create_proxy</c>.</summary>
public sealed record CreateProxyRequest : InstanceAccessFields
{
    /// <summary>Gets the network interface for the new address (required).</summary>
    public string? Interface { get; init; }

    /// <summary>Gets optional seconds after which the instance is removed (the seed's "TTL on create" wish).</summary>
    public double? Ttl { get; init; }
}

/// <summary>The body of <c>POST /api/proxy/create_temp</c>.</summary>
public sealed record CreateTempProxyRequest : InstanceAccessFields
{
    /// <summary>Gets the seconds the instance lives (required).</summary>
    public double? Ttl { get; init; }

    /// <summary>Gets the network interface (optional when exactly one is configured).</summary>
    public string? Interface { get; init; }
}

/// <summary>The body of <c>POST /api/proxy/bulk_delete</c>.</summary>
/// <param name="InstanceIds">The instances to delete.</param>
/// <param name="DeleteAll">Delete every instance.</param>
public sealed record BulkDeleteRequest(IReadOnlyList<string>? InstanceIds, bool? DeleteAll);
