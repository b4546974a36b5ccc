using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.ExternalSocks.Inventory;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Ledger;
using ProxyKit.Hosting;

namespace ProxyKit.ExternalSocks.Orders;

/// <summary>
/// Finishes orders a crash or a lost provider answer left open, from the state each reached: a reservation or a hold
/// is returned; a buy whose outcome is unknown is settled from the provider's list of bought proxies (delivered and charged
/// if it is there, returned if not); a delivered order is charged; a claimed refund is completed. Every step is a
/// conditional transition and every ledger call idempotent, so any number of hosts may run it.
/// </summary>
internal sealed partial class OrderReconciler(IServiceProvider services, TimeProvider timeProvider, IOptions<ExternalSocksOptions> options, ILogger<OrderReconciler> logger)
    : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private const int Batch = 100;

    /// <summary>How long an order may sit untouched before it counts as abandoned: past any purchase still in flight.</summary>
    internal TimeSpan Grace => TimeSpan.FromSeconds(options.Value.TimeoutSeconds + 30);

    /// <summary>Settles every abandoned order now; returns how many were finished.</summary>
    internal async Task<int> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        var orders = services.GetRequiredService<OrderStore>();
        var shop = services.GetRequiredService<ExternalProxyShop>();
        var ledger = services.GetRequiredService<ICreditLedger>();
        var providers = services.GetRequiredService<IExternalSocksProviders>();
        var finished = 0;
        foreach (var order in await orders.ListUnfinishedAsync(timeProvider.GetUtcNow() - Grace, Batch, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                finished += await ReconcileAsync(order, shop, ledger, providers, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }
            catch (Exception ex) when (ex is ProxyKitException)
            {
                LogFailed(logger, ex, order.OrderId); // left for the next round
            }
        }

        return finished;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(
            async ct =>
            {
                if (await ReconcileOnceAsync(ct).ConfigureAwait(false) is > 0 and var count)
                {
                    LogReconciled(logger, count);
                }
            },
            () => Interval, ex => LogRoundFailed(logger, ex), timeProvider, stoppingToken);

    private async Task<bool> ReconcileAsync(OrderRow order, ExternalProxyShop shop, ICreditLedger ledger, IExternalSocksProviders providers, CancellationToken cancellationToken)
    {
        switch (order.State)
        {
            case "reserved":
                // The hold may or may not have been taken: the same idempotency key finds it (or takes one), then it is returned.
                var hold = await ledger.HoldAsync(
                    new LedgerHold(order.UserId, LedgerAsset.Usd, order.PriceCents, ExternalProxyShop.HoldKey(order.OrderId), $"External proxy {order.OrderId}",
                        timeProvider.GetUtcNow() + ExternalProxyShop.HoldLifetime, order.OrderId, "purchase"),
                    cancellationToken).ConfigureAwait(false);
                await shop.FailAsync(order with { HoldId = hold.Succeeded ? hold.TransferId : null }, ["reserved"], "interrupted", itemGone: false).ConfigureAwait(false);
                return true;

            case "held":
                await shop.FailAsync(order, ["held"], "interrupted", itemGone: false).ConfigureAwait(false);
                return true;

            case "buying":
                if (providers.Find(order.Provider) is not { } provider)
                {
                    return false;
                }

                var since = (order.BuyStartedAt ?? order.CreatedAt) - TimeSpan.FromMinutes(5);
                IReadOnlyList<ProviderPurchase> bought;
                try
                {
                    bought = await provider.ListPurchasedAsync(since, cancellationToken).ConfigureAwait(false);
                }
                catch (ExternalSocksProviderException ex)
                {
                    LogProviderUnavailable(logger, order.OrderId, ex.Kind);
                    return false;
                }

                if (bought.FirstOrDefault(p => p.ProxyId == order.ProxyId && p.BoughtAt >= since) is { } purchase)
                {
                    await shop.SettleDeliveredAsync(order, purchase).ConfigureAwait(false);
                    LogSettled(logger, order.OrderId, "delivered and charged");
                }
                else
                {
                    await shop.FailAsync(order, ["buying"], "not_sold", itemGone: false).ConfigureAwait(false);
                    LogSettled(logger, order.OrderId, "not sold by the provider; hold returned");
                }

                return true;

            case "delivered":
                await shop.SettleDeliveredAsync(order, null).ConfigureAwait(false);
                return true;

            case "completed" when order.RefundClaimedAt is not null:
                await shop.FinishRefundAsync(ledger, order, cancellationToken).ConfigureAwait(false);
                return true;

            default:
                return false;
        }
    }

    [LoggerMessage(EventId = 7020, Level = LogLevel.Information, Message = "Reconciled {Count} unfinished external proxy orders")]
    private static partial void LogReconciled(ILogger logger, int count);

    [LoggerMessage(EventId = 7021, Level = LogLevel.Information, Message = "Order {OrderId}: {Outcome}")]
    private static partial void LogSettled(ILogger logger, string orderId, string outcome);

    [LoggerMessage(EventId = 7022, Level = LogLevel.Warning, Message = "Order {OrderId} stays pending: the provider's records are unavailable ({Kind})")]
    private static partial void LogProviderUnavailable(ILogger logger, string orderId, ProviderErrorKind kind);

    [LoggerMessage(EventId = 7023, Level = LogLevel.Warning, Message = "Reconciling order {OrderId} failed; retrying next round")]
    private static partial void LogFailed(ILogger logger, Exception exception, string orderId);

    [LoggerMessage(EventId = 7024, Level = LogLevel.Warning, Message = "A reconciliation round failed; retrying shortly")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
