using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Ledger;

namespace ProxyKit.ExternalSocks.Orders;

/// <summary>
/// Sells inventory items: purchase (reserve the item, hold the price, buy, deliver, post the hold), refund, and the
/// order queries. The user is never charged without credentials nor given credentials without being charged: every step
/// is recorded before the next starts, so a crash or an unknown provider outcome leaves an order the reconciler finishes.
/// With a ledger that can join our transactions (<see cref="ITransactionalCreditLedger"/> on the same database) a purchase
/// is two commits: reservation with its hold, then delivery with the charge.
/// </summary>
public sealed partial class ExternalProxyShop
{
    /// <summary>The most products one batch may buy.</summary>
    public const int MaxBatch = 20;

    /// <summary>How long a purchase's hold lives before the ledger's reaper voids it; the reconciler settles orders long before.</summary>
    internal static readonly TimeSpan HoldLifetime = TimeSpan.FromHours(24);

    private readonly OrderStore _orders;
    private readonly IExternalSocksProviders _providers;
    private readonly ICreditLedger? _ledger;
    private readonly TimeProvider _timeProvider;
    private readonly IOptions<ExternalSocksOptions> _options;
    private readonly ILogger _logger;

    internal ExternalProxyShop(
        OrderStore orders, IExternalSocksProviders providers, ICreditLedger? ledger, TimeProvider timeProvider, IOptions<ExternalSocksOptions> options,
        ILogger<ExternalProxyShop> logger)
    {
        _orders = orders;
        _providers = providers;
        _ledger = ledger;
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;
    }

    /// <summary>Gets the price of one proxy in cents.</summary>
    public long PriceCents => (long)decimal.Round(_options.Value.Price * 100m, MidpointRounding.AwayFromZero);

    /// <summary>Gets how long a purchase stays refundable.</summary>
    public static TimeSpan RefundWindow { get; } = TimeSpan.FromHours(1);

    /// <summary>Gets how long a bought proxy is rented for (the seed's <c>expires_at</c>: 24 hours after purchase).</summary>
    public static TimeSpan RentalPeriod { get; } = TimeSpan.FromHours(24);

    /// <summary>Gets whether <paramref name="order"/> can still be refunded by time and state (the provider's status is checked on refund).</summary>
    public bool IsRefundable(ExternalOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.State == ExternalOrderStates.Completed && order.CompletedAt + RefundWindow > _timeProvider.GetUtcNow();
    }

    /// <summary>
    /// Buys <paramref name="productId"/> for <paramref name="userId"/>. Completed: credentials, charged. Pending: the provider's
    /// answer was lost; the reconciler settles it from the provider's records (poll the order).
    /// </summary>
    /// <returns>The order, or <c>PRODUCT_NOT_FOUND</c>, <c>PRODUCT_UNAVAILABLE</c>, <c>INSUFFICIENT_FUNDS</c> or a provider error.</returns>
    public async Task<ProxyKitResult<ExternalOrder>> PurchaseAsync(Guid userId, long productId, CancellationToken cancellationToken = default)
    {
        var placed = await PlaceAsync(userId, [productId], cancellationToken).ConfigureAwait(false);
        if (!placed.Succeeded)
        {
            return ProxyKitResult.Failure<ExternalOrder>(placed.Error!);
        }

        var (order, error) = await BuyAsync(placed.Value![0]).ConfigureAwait(false);
        return error is null ? ProxyKitResult.Success(order) : ProxyKitResult.Failure<ExternalOrder>(error);
    }

    /// <summary>
    /// Buys several products at once. Reservation and payment are all-or-nothing: if any product is unavailable or the
    /// balance does not cover them all, nothing is reserved or charged. The provider cannot undo a sale, so after that each
    /// proxy is bought on its own: one the provider refuses is not charged (its order is <c>failed</c>), the others complete.
    /// </summary>
    /// <returns>The orders in the order of <paramref name="productIds"/>, or the error that refused the whole batch.</returns>
    public async Task<ProxyKitResult<IReadOnlyList<ExternalOrder>>> PurchaseManyAsync(
        Guid userId, IReadOnlyList<long> productIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(productIds);
        if (productIds.Count is 0 or > MaxBatch || productIds.Distinct().Count() != productIds.Count)
        {
            return ProxyKitResult.Failure<IReadOnlyList<ExternalOrder>>(
                ExternalSocksErrorCodes.InvalidRequest, $"product_ids must name 1 to {MaxBatch} distinct products.");
        }

        var placed = await PlaceAsync(userId, productIds, cancellationToken).ConfigureAwait(false);
        if (!placed.Succeeded)
        {
            return ProxyKitResult.Failure<IReadOnlyList<ExternalOrder>>(placed.Error!);
        }

        var orders = new List<ExternalOrder>(placed.Value!.Count);
        foreach (var order in placed.Value)
        {
            var (bought, error) = await BuyAsync(order).ConfigureAwait(false);
            orders.Add(error is null ? bought : (await _orders.GetAsync(order.OrderId, CancellationToken.None).ConfigureAwait(false))!.ToPublic());
        }

        return ProxyKitResult.Success<IReadOnlyList<ExternalOrder>>(orders);
    }

    /// <summary>
    /// Reserves the products and holds their price, all or nothing. With a ledger that can join our transactions this is one
    /// commit and the orders come back <c>buying</c> (one product) or <c>held</c> (a batch); otherwise the holds follow the
    /// reservation and a single order comes back still <c>reserved</c>, its hold in hand.
    /// </summary>
    private async Task<ProxyKitResult<IReadOnlyList<OrderRow>>> PlaceAsync(Guid userId, IReadOnlyList<long> productIds, CancellationToken cancellationToken)
    {
        var ledger = _ledger ?? throw new InvalidOperationException("Purchases need an ICreditLedger (AddProxyKitAccounts).");
        var items = productIds.Select(static id => ("ORD-" + RandomNumberGenerator.GetHexString(20), id)).ToList();
        if (JoinableLedger is { } joinable)
        {
            return await _orders.ReserveManyAsync(items, userId, PriceCents, async (connection, transaction, order) =>
            {
                var hold = await joinable.HoldAsync(NewHold(order), connection, transaction, cancellationToken).ConfigureAwait(false);
                return hold.Succeeded ? hold.TransferId : null;
            }, cancellationToken).ConfigureAwait(false);
        }

        var reserved = await _orders.ReserveManyAsync(items, userId, PriceCents, cancellationToken).ConfigureAwait(false);
        if (!reserved.Succeeded)
        {
            return reserved;
        }

        // From here on, failures leave the orders where the reconciler expects them; cancellation must not strand them half-way.
        var held = new List<OrderRow>(reserved.Value!.Count);
        foreach (var order in reserved.Value)
        {
            var hold = await ledger.HoldAsync(NewHold(order), CancellationToken.None).ConfigureAwait(false);
            if (!hold.Succeeded)
            {
                // Not all covered: return every hold taken so far and every reservation.
                foreach (var order2 in reserved.Value)
                {
                    var taken = held.FirstOrDefault(h => h.OrderId == order2.OrderId);
                    await FailAsync(taken ?? order2, ["reserved", "held"], "insufficient_funds", itemGone: false).ConfigureAwait(false);
                }

                return ProxyKitResult.Failure<IReadOnlyList<OrderRow>>(InsufficientFunds(reserved.Value.Count, PriceCents));
            }

            // A batch's orders wait their turn as held; a single order goes straight to buying when it is bought.
            if (reserved.Value.Count > 1)
            {
                await _orders.SetHeldAsync(order.OrderId, hold.TransferId!.Value, CancellationToken.None).ConfigureAwait(false);
            }

            held.Add(order with { HoldId = hold.TransferId, State = reserved.Value.Count > 1 ? "held" : "reserved" });
        }

        return ProxyKitResult.Success<IReadOnlyList<OrderRow>>(held);
    }

    /// <summary>The refusal of a purchase the balance does not cover.</summary>
    internal static ProxyKitError InsufficientFunds(int products, long priceCents) =>
        new(ExternalSocksErrorCodes.InsufficientFunds, "Your USD balance does not cover the price.",
            new Dictionary<string, object?> { ["price"] = products * priceCents / 100m, ["products"] = products });

    // The ledger, when it keeps its journal in our database and can write in our transactions (one commit per step).
    private ITransactionalCreditLedger? JoinableLedger => _ledger is ITransactionalCreditLedger joinable && joinable.CanJoin(_orders.Database) ? joinable : null;

    private LedgerHold NewHold(OrderRow order) => new(
        order.UserId, LedgerAsset.Usd, order.PriceCents, HoldKey(order.OrderId), $"External proxy {order.OrderId}",
        _timeProvider.GetUtcNow() + HoldLifetime, order.OrderId, "purchase");

    /// <summary>Buys a held order from the provider and settles it: completed, pending (outcome unknown) or failed and returned.</summary>
    private async Task<(ExternalOrder Order, ProxyKitError? Error)> BuyAsync(OrderRow order)
    {
        var started = order.State switch
        {
            "buying" => true, // placed in one commit with its hold
            "reserved" => await _orders.StartBuyingAsync(order.OrderId, order.HoldId!.Value, CancellationToken.None).ConfigureAwait(false),
            _ => await _orders.StartBuyingAsync(order.OrderId, CancellationToken.None).ConfigureAwait(false),
        };
        if (!started)
        {
            // Taken over by the reconciler (this purchase stalled past the grace period): it settles the order.
            return ((await _orders.GetAsync(order.OrderId, CancellationToken.None).ConfigureAwait(false))!.ToPublic(), null);
        }

        order = order with { State = "buying" };

        var provider = _providers.Find(order.Provider);
        ProviderPurchase purchase;
        try
        {
            purchase = provider is null
                ? throw new ExternalSocksProviderException(ProviderErrorKind.NotConfigured, $"Provider '{order.Provider}' is no longer registered.")
                : await provider.BuyAsync(order.ProxyId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ExternalSocksProviderException ex) when (ex.Kind == ProviderErrorKind.OutcomeUnknown)
        {
            LogOutcomeUnknown(_logger, order.OrderId, order.Provider);
            return (order.ToPublic(), null);
        }
        catch (ExternalSocksProviderException ex)
        {
            // Definitely not sold: give the money and the item back.
            var gone = ex.Kind is ProviderErrorKind.SoldOut or ProviderErrorKind.NotFound;
            await FailAsync(order, ["buying"], FailureName(ex.Kind), itemGone: gone).ConfigureAwait(false);
            return (order.ToPublic(), gone
                ? new ProxyKitError(ExternalSocksErrorCodes.ProductUnavailable, "The provider no longer sells this proxy; you were not charged.",
                    new Dictionary<string, object?> { ["product_id"] = order.ProductId })
                : InventorySyncService.ProviderError(ex));
        }

        return (await SettleDeliveredAsync(order, purchase).ConfigureAwait(false), null);
    }

    /// <summary>
    /// Refunds a completed purchase: only its buyer, within <see cref="RefundWindow"/> of completion, only if the provider
    /// reports the proxy offline, only once.
    /// </summary>
    /// <returns>The refunded order, or <c>ORDER_NOT_FOUND</c>, <c>ORDER_NOT_REFUNDABLE</c>, <c>REFUND_WINDOW_EXPIRED</c>, <c>PROXY_ONLINE</c>, <c>ALREADY_REFUNDED</c> or a provider error.</returns>
    public async Task<ProxyKitResult<ExternalOrder>> RefundAsync(Guid userId, string orderId, CancellationToken cancellationToken = default)
    {
        var ledger = _ledger ?? throw new InvalidOperationException("Refunds need an ICreditLedger (AddProxyKitAccounts).");
        var order = await _orders.GetAsync(orderId, cancellationToken).ConfigureAwait(false);
        if (order is null || order.UserId != userId)
        {
            return Failure(ExternalSocksErrorCodes.OrderNotFound, "You have no order with this id.", orderId);
        }

        if (order.State == "refunded" || order.RefundClaimedAt is not null)
        {
            return Failure(ExternalSocksErrorCodes.AlreadyRefunded, "This order was refunded already.", orderId);
        }

        if (order.State != "completed")
        {
            return Failure(ExternalSocksErrorCodes.OrderNotRefundable, $"Only completed purchases can be refunded (this one is {order.ToPublic().State}).", orderId);
        }

        var windowStart = _timeProvider.GetUtcNow() - RefundWindow;
        if (order.CompletedAt <= windowStart)
        {
            return Failure(ExternalSocksErrorCodes.RefundWindowExpired, "Refunds are accepted within 1 hour of purchase.", orderId);
        }

        int status;
        try
        {
            status = await (_providers.Find(order.Provider)
                    ?? throw new ExternalSocksProviderException(ProviderErrorKind.NotConfigured, $"Provider '{order.Provider}' is no longer registered."))
                .GetPurchasedStatusAsync(order.Credentials!.CredentialsId, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalSocksProviderException ex)
        {
            return ProxyKitResult.Failure<ExternalOrder>(InventorySyncService.ProviderError(ex));
        }

        if (status == 1)
        {
            return Failure(ExternalSocksErrorCodes.ProxyOnline, "The proxy is online; refunds are for proxies that went offline.", orderId);
        }

        // The claim is the refund's single winner; the ledger refund is idempotent, so a crash after it is finished by the reconciler.
        if (!await _orders.ClaimRefundAsync(orderId, userId, windowStart, cancellationToken).ConfigureAwait(false))
        {
            var now = await _orders.GetAsync(orderId, cancellationToken).ConfigureAwait(false);
            return now?.RefundClaimedAt is not null
                ? Failure(ExternalSocksErrorCodes.AlreadyRefunded, "This order was refunded already.", orderId)
                : Failure(ExternalSocksErrorCodes.RefundWindowExpired, "Refunds are accepted within 1 hour of purchase.", orderId);
        }

        await FinishRefundAsync(ledger, order, CancellationToken.None).ConfigureAwait(false);
        return ProxyKitResult.Success<ExternalOrder>((await _orders.GetAsync(orderId, CancellationToken.None).ConfigureAwait(false))!.ToPublic());
    }

    /// <summary>Reads one of <paramref name="userId"/>'s orders, or <see langword="null"/>.</summary>
    public async Task<ExternalOrder?> GetOrderAsync(Guid userId, string orderId, CancellationToken cancellationToken = default) =>
        await _orders.GetAsync(orderId, cancellationToken).ConfigureAwait(false) is { } order && order.UserId == userId ? order.ToPublic() : null;

    /// <summary>Lists <paramref name="userId"/>'s orders, newest first.</summary>
    public async Task<IReadOnlyList<ExternalOrder>> ListOrdersAsync(Guid userId, CancellationToken cancellationToken = default) =>
        [.. (await _orders.ListByUserAsync(userId, cancellationToken).ConfigureAwait(false)).Select(static o => o.ToPublic())];

    /// <summary>Delivered → charged → completed (the reconciler resumes here too).</summary>
    internal async Task<ExternalOrder> SettleDeliveredAsync(OrderRow order, ProviderPurchase? purchase)
    {
        if (order.State == "buying" && purchase is not null)
        {
            Func<DbConnection, DbTransaction, ValueTask<bool>>? post = JoinableLedger is { } joinable
                ? async (connection, transaction) =>
                    (await joinable.PostHoldAsync(order.HoldId!.Value, connection, transaction, CancellationToken.None).ConfigureAwait(false)).Succeeded
                : null;
            if (await _orders.DeliverAsync(order, purchase, post, CancellationToken.None).ConfigureAwait(false) is { State: "completed" } completed)
            {
                return completed.ToPublic();
            }
        }

        // HoldNotPending here means posted already (a retried settlement): a delivered order's hold is never voided.
        var posted = await _ledger!.PostHoldAsync(order.HoldId!.Value, CancellationToken.None).ConfigureAwait(false);
        if (!posted.Succeeded && posted.Status != LedgerStatus.HoldNotPending)
        {
            throw new ProxyKitException($"Posting the hold of order {order.OrderId} failed: {posted.Status}.");
        }

        await _orders.CompleteAsync(order.OrderId, CancellationToken.None).ConfigureAwait(false);
        return (await _orders.GetAsync(order.OrderId, CancellationToken.None).ConfigureAwait(false))!.ToPublic();
    }

    /// <summary>Fails an order and returns its hold (voiding an already settled hold is a no-op result).</summary>
    internal async Task FailAsync(OrderRow order, string[] from, string failure, bool itemGone)
    {
        if (await _orders.FailAsync(order, from, failure, itemGone, CancellationToken.None).ConfigureAwait(false) && order.HoldId is { } hold)
        {
            await _ledger!.VoidHoldAsync(hold, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The ledger refund (idempotent per order) and the order's last transition.</summary>
    internal async Task FinishRefundAsync(ICreditLedger ledger, OrderRow order, CancellationToken cancellationToken)
    {
        var refund = await ledger.RefundAsync(new LedgerRefund(order.HoldId!.Value, $"{order.OrderId}:refund", $"Refund of external proxy {order.OrderId}"), cancellationToken)
            .ConfigureAwait(false);
        if (!refund.Succeeded && refund.Status != LedgerStatus.AlreadyRefunded)
        {
            throw new ProxyKitException($"Refunding order {order.OrderId} failed: {refund.Status}.");
        }

        await _orders.MarkRefundedAsync(order.OrderId, cancellationToken).ConfigureAwait(false);
        LogRefunded(_logger, order.OrderId);
    }

    internal static string HoldKey(string orderId) => orderId + ":hold";

    private static string FailureName(ProviderErrorKind kind) => kind switch
    {
        ProviderErrorKind.SoldOut or ProviderErrorKind.NotFound => "sold_out",
        ProviderErrorKind.InsufficientBalance => "provider_insufficient_balance",
        ProviderErrorKind.Unauthorized => "provider_unauthorized",
        ProviderErrorKind.NotConfigured => "client_not_initialized",
        _ => "provider_unavailable",
    };

    private static ProxyKitResult<ExternalOrder> Failure(string code, string message, string orderId) =>
        ProxyKitResult.Failure<ExternalOrder>(code, message, new Dictionary<string, object?> { ["order_id"] = orderId });

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Purchase {OrderId}: {Provider} did not answer the buy; the order stays pending until the reconciler reads the provider's records")]
    private static partial void LogOutcomeUnknown(ILogger logger, string orderId, string provider);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Information, Message = "Order {OrderId} refunded")]
    private static partial void LogRefunded(ILogger logger, string orderId);
}
