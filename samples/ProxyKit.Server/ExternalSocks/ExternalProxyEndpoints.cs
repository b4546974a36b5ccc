using System.Globalization;
using System.Text;
using ProxyKit.ExternalSocks;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Orders;
using ProxyKit.Server.Accounts;

namespace ProxyKit.Server.ExternalSocks;

/// <summary>
/// Seed 001: resale of an external SOCKS5 provider under <c>/api/external-proxy</c>, for users with an API key (seed 003's
/// accounts pay in USD) and the administrator key; errors in seed 003's shape <c>{"error": {"code", "message", "details"}}</c>.
/// </summary>
internal static class ExternalProxyEndpoints
{
    /// <summary>The path prefix: authenticated by user keys, not by the instance API's token.</summary>
    public const string Prefix = "/api/external-proxy";

    public static IEndpointRouteBuilder MapExternalProxyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var users = endpoints.MapGroup(Prefix).RequireAuthorization(Policies.User).WithTags("External proxies");
        users.MapGet("/list", async (
            string? country_code, string? city, string? type, string? isp, int? min_speed, int? page, int? page_size, ExternalProxyCatalog catalog, CancellationToken ct) =>
        {
            var listed = await catalog.ListAsync(new InventoryQuery
            {
                CountryCode = country_code, City = city, Type = type, Isp = isp, MinSpeed = min_speed, Page = page ?? 0, PageSize = page_size ?? 50,
            }, ct);
            if (!listed.Succeeded)
            {
                return Failure(listed.Error!);
            }

            var result = listed.Value!;
            return Results.Json(new
            {
                proxies = result.Items.Select(p => new Dictionary<string, object?>
                {
                    ["product_id"] = p.ProductId,
                    ["proxy_id"] = p.ProxyId,
                    ["country"] = p.Country,
                    ["country_code"] = p.CountryCode,
                    ["city"] = p.City,
                    ["ISP"] = p.Isp,
                    ["price"] = catalog.Price,
                    ["status"] = p.Status,
                    ["type"] = p.Type,
                    ["speed"] = p.Speed,
                    ["provider"] = p.Provider,
                }),
                total = result.Total,
                page = result.Page,
                page_size = result.PageSize,
            });
        }).WithSummary("Proxies for sale at the fixed price (country_code, city, type, isp, min_speed, page, page_size).");

        users.MapPost("/purchase", async (PurchaseRequest? body, HttpContext http, ExternalProxyShop shop, CancellationToken ct) =>
        {
            if (body?.ProductId is not { } productId)
            {
                return PoolApiErrors.Result(400, ExternalSocksErrorCodes.InvalidRequest, "A JSON body with product_id is required.");
            }

            var bought = await shop.PurchaseAsync(http.User.UserId()!.Value, productId, ct);
            return bought.Succeeded ? Describe(bought.Value!, shop) : Failure(bought.Error!);
        }).WithIdempotency()
            .WithSummary("Buys a proxy for the fixed price from the USD balance: 200 with credentials, or 202 pending when the provider's answer was lost (poll the order).");

        users.MapPost("/purchase/batch", async (BatchPurchaseRequest? body, HttpContext http, ExternalProxyShop shop, CancellationToken ct) =>
        {
            if (body?.ProductIds is not { } productIds)
            {
                return PoolApiErrors.Result(400, ExternalSocksErrorCodes.InvalidRequest, "A JSON body with product_ids is required.");
            }

            var bought = await shop.PurchaseManyAsync(http.User.UserId()!.Value, productIds, ct);
            if (!bought.Succeeded)
            {
                return Failure(bought.Error!);
            }

            var orders = bought.Value!;
            return Results.Json(new
            {
                orders = orders.Select(o => Order(o, shop)),
                charged = orders.Where(o => o.State != ExternalOrderStates.Failed).Sum(o => o.PriceCents) / 100m,
                completed = orders.Count(o => o.State == ExternalOrderStates.Completed),
                pending = orders.Count(o => o.State == ExternalOrderStates.Pending),
                failed = orders.Count(o => o.State == ExternalOrderStates.Failed),
            });
        }).WithIdempotency()
            .WithSummary("Buys up to 20 products: reservation and payment all-or-nothing; a proxy the provider then refuses is not charged.");

        users.MapPost("/refund", async (RefundRequest? body, HttpContext http, ExternalProxyShop shop, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(body?.OrderId))
            {
                return PoolApiErrors.Result(400, ExternalSocksErrorCodes.InvalidRequest, "A JSON body with order_id is required.");
            }

            var refunded = await shop.RefundAsync(http.User.UserId()!.Value, body.OrderId, ct);
            return refunded.Succeeded
                ? Results.Json(new { status = "success", message = "Proxy refunded successfully", refund_amount = refunded.Value!.PriceCents / 100m, order_id = refunded.Value.OrderId })
                : Failure(refunded.Error!);
        }).WithIdempotency().WithSummary("Refunds a purchase within 1 hour if the provider reports the proxy offline; once.");

        users.MapGet("/orders", async (HttpContext http, ExternalProxyShop shop, CancellationToken ct) =>
            Results.Json(new { orders = (await shop.ListOrdersAsync(http.User.UserId()!.Value, ct)).Select(o => Order(o, shop)) }))
            .WithSummary("Your orders, newest first (credentials of completed ones).");

        users.MapGet("/orders/{orderId}", async (string orderId, HttpContext http, ExternalProxyShop shop, CancellationToken ct) =>
            await shop.GetOrderAsync(http.User.UserId()!.Value, orderId, ct) is { } order
                ? Results.Json(Order(order, shop))
                : PoolApiErrors.Result(404, ExternalSocksErrorCodes.OrderNotFound, "You have no order with this id.", new { order_id = orderId }))
            .WithSummary("One order: pending, completed (with credentials), failed or refunded.");

        users.MapGet("/orders/export", async (string? format, HttpContext http, ExternalProxyShop shop, CancellationToken ct) =>
        {
            var completed = (await shop.ListOrdersAsync(http.User.UserId()!.Value, ct)).Where(o => o.Credentials is not null && o.State == ExternalOrderStates.Completed).ToList();
            return (format ?? "txt").ToLowerInvariant() switch
            {
                "txt" => Results.Text(string.Concat(completed.Select(o => Invariant($"{o.Credentials!.Ip}:{o.Credentials.Port}:{o.Credentials.Login}:{o.Credentials.Password}\n"))), "text/plain"),
                "csv" => Results.Text(Csv(completed), "text/csv"),
                _ => PoolApiErrors.Result(400, ExternalSocksErrorCodes.InvalidRequest, "format must be txt or csv."),
            };
        }).WithSummary("Credentials of your completed purchases as TXT (ip:port:login:password per line) or CSV.");

        var admin = endpoints.MapGroup(Prefix).RequireAuthorization(Policies.Admin).WithTags("External proxies (admin)");
        admin.MapPost("/sync", async (SyncRequest? body, ExternalProxyCatalog catalog, CancellationToken ct) =>
        {
            var synced = await catalog.SyncAsync(body?.CountryCode, body?.PageSize ?? 100, body?.Provider, ct);
            return synced.Succeeded ? Results.Json(Describe(synced.Value!)) : Failure(synced.Error!);
        }).WithSummary("Syncs the provider's online proxies now: added, updated, skipped (and removed after a complete listing).");

        admin.MapGet("/sync/status", async (ExternalProxyCatalog catalog, CancellationToken ct) =>
            await catalog.GetLastSyncAsync(ct) is { } last ? Results.Json(Describe(last)) : Results.Json(new { status = "never" }))
            .WithSummary("The most recent sync's result (complete or not, with its error).");

        admin.MapPost("/cleanup", async (ExternalProxyCatalog catalog, CancellationToken ct) =>
        {
            var removed = await catalog.CleanupAsync(ct);
            return Results.Json(new { status = "success", removed_count = removed, message = Invariant($"Removed {removed} expired proxies from inventory") });
        }).WithSummary("Removes proxies for sale the provider reports offline (never reserved or sold ones).");

        admin.MapGet("/stats", async (ExternalProxyCatalog catalog, CancellationToken ct) =>
        {
            var s = await catalog.GetStatisticsAsync(ct);
            return Results.Json(new
            {
                total_inventory = s.TotalInventory,
                total_sold = s.TotalSold,
                total_refunded = s.TotalRefunded,
                revenue = s.RevenueCents / 100m,
                countries_available = s.CountriesAvailable,
                last_sync = s.LastSync,
            });
        }).WithSummary("Inventory, sales, refunds and revenue, computed from the orders and the sync journal.");
        return endpoints;
    }

    private static IResult Describe(ExternalOrder order, ExternalProxyShop shop) => order.State == ExternalOrderStates.Pending
        ? Results.Json(new { order_id = order.OrderId, status = order.State, message = "The provider's answer was lost; the order is settled within a minute. Poll GET /api/external-proxy/orders/{order_id}." },
            statusCode: StatusCodes.Status202Accepted)
        : Results.Json(Order(order, shop));

    private static object Order(ExternalOrder o, ExternalProxyShop shop)
    {
        var c = o.Credentials;
        var refundableUntil = o.CompletedAt + ExternalProxyShop.RefundWindow;
        return new
        {
            order_id = o.OrderId,
            proxy_id = o.ProxyId,
            product_id = o.ProductId,
            status = o.State,
            credentials = c is null
                ? null
                : new Dictionary<string, object?>
                {
                    ["ip"] = c.Ip,
                    ["port"] = c.Port.ToString(CultureInfo.InvariantCulture),
                    ["login"] = c.Login,
                    ["password"] = c.Password,
                    ["country"] = c.Country,
                    ["ISP"] = c.Isp,
                },
            price = o.PriceCents / 100m,
            expires_at = o.CompletedAt + ExternalProxyShop.RentalPeriod,
            refundable = shop.IsRefundable(o),
            refundable_until = refundableUntil,
            created_at = o.CreatedAt,
            failure = o.Failure,
        };
    }

    private static object Describe(SyncResult r) => new
    {
        total_fetched = r.TotalFetched,
        total_available_external = r.TotalAvailableExternal,
        added = r.Added,
        updated = r.Updated,
        skipped = r.Skipped,
        removed = r.Removed,
        complete = r.Complete,
        sync_time = r.SyncTime,
        provider = r.Provider,
        error = r.Error,
    };

    private static string Csv(IEnumerable<ExternalOrder> orders)
    {
        var csv = new StringBuilder("order_id,ip,port,login,password,country,isp,purchased_at\n");
        foreach (var o in orders)
        {
            var c = o.Credentials!;
            csv.AppendLine(string.Join(',', new[] { o.OrderId, c.Ip, c.Port.ToString(CultureInfo.InvariantCulture), c.Login, c.Password, c.Country, c.Isp ?? string.Empty,
                (o.CompletedAt ?? o.CreatedAt).ToString("O", CultureInfo.InvariantCulture) }.Select(CsvField)));
        }

        return csv.ToString();
    }

    // Quoted when needed; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula.
    private static string CsvField(string value)
    {
        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static IResult Failure(ProxyKitError error)
    {
        var status = error.Code switch
        {
            ExternalSocksErrorCodes.InvalidRequest or ExternalSocksErrorCodes.UnknownProvider => 400,
            ExternalSocksErrorCodes.InsufficientFunds => 402,
            ExternalSocksErrorCodes.ProductNotFound or ExternalSocksErrorCodes.OrderNotFound => 404,
            ExternalSocksErrorCodes.ProductUnavailable or ExternalSocksErrorCodes.OrderNotRefundable or ExternalSocksErrorCodes.RefundWindowExpired
                or ExternalSocksErrorCodes.ProxyOnline or ExternalSocksErrorCodes.AlreadyRefunded or ExternalSocksErrorCodes.SyncInProgress => 409,
            ExternalSocksErrorCodes.ProviderUnauthorized => 502,
            _ => 503,
        };
        return PoolApiErrors.Result(status, error.Code, error.Message, error.Details);
    }

    internal sealed record PurchaseRequest(long? ProductId);

    internal sealed record BatchPurchaseRequest(long[]? ProductIds);

    internal sealed record RefundRequest(string? OrderId);

    internal sealed record SyncRequest(string? CountryCode, int? PageSize, string? Provider);
}
