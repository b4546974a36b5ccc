using System.Data.Common;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Secrets;
using ProxyKit.Storage;

namespace ProxyKit.ExternalSocks.Orders;

/// <summary>
/// Orders and the inventory rows they hold. Every transition is a conditional update from the state it expects, so a
/// purchase in flight and the reconciler (on any host) can never both move one order; the item is reserved by the same
/// statement that checks it is available, and a partial unique index keeps it to one live order.
/// </summary>
internal sealed class OrderStore(ProxyKitDatabase database, SecretProtector protector, TimeProvider timeProvider)
{
    internal const string PasswordPurpose = "extsocks.proxy-password";
    internal const string LiveProductConstraint = "ux_extsocks_orders_live_product";

    // Instants at the databases' precision (PostgreSQL keeps microseconds), so rows returned from memory equal rows read back.
    private DateTimeOffset Now()
    {
        var now = timeProvider.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    /// <summary>Gets the database the orders live in.</summary>
    public ProxyKitDatabase Database => database;

    private const string Columns =
        "id, user_id, product_id, provider, provider_proxy_id, price_cents, state, failure, hold_id, credentials_id, ip, port, login, " +
        "password_protected, country, isp, created_at, buy_started_at, completed_at, refund_claimed_at, refunded_at, updated_at";

    /// <summary>Reserves an available, online product and records the order, both or neither.</summary>
    /// <returns>The order, or <c>PRODUCT_NOT_FOUND</c> / <c>PRODUCT_UNAVAILABLE</c>.</returns>
    public async Task<ProxyKitResult<OrderRow>> ReserveAsync(string orderId, Guid userId, long productId, long priceCents, CancellationToken cancellationToken)
    {
        var reserved = await ReserveManyAsync([(orderId, productId)], userId, priceCents, cancellationToken).ConfigureAwait(false);
        return reserved.Succeeded ? ProxyKitResult.Success(reserved.Value![0]) : ProxyKitResult.Failure<OrderRow>(reserved.Error!);
    }

    /// <summary>Reserves every product and records an order for each, all or none (the first product that cannot be reserved is named).</summary>
    /// <returns>The orders (<c>reserved</c>), or <c>PRODUCT_NOT_FOUND</c> / <c>PRODUCT_UNAVAILABLE</c>.</returns>
    public Task<ProxyKitResult<IReadOnlyList<OrderRow>>> ReserveManyAsync(
        IReadOnlyList<(string OrderId, long ProductId)> items, Guid userId, long priceCents, CancellationToken cancellationToken) =>
        ReserveManyAsync(items, userId, priceCents, pay: null, cancellationToken);

    /// <summary>
    /// Reserves every product, pays for each with <paramref name="pay"/> inside the same transaction and records the orders
    /// with their holds — <c>buying</c> for a single product, <c>held</c> for a batch — all or none.
    /// </summary>
    /// <param name="items">The new orders' ids and their products.</param>
    /// <param name="userId">The buyer.</param>
    /// <param name="priceCents">The price of each.</param>
    /// <param name="pay">Takes the order's hold in the reservation's transaction: its id, or <see langword="null"/> when the balance is short (nothing is kept).</param>
    /// <param name="cancellationToken">Cancels the call (everything is rolled back).</param>
    /// <returns>The orders, or <c>PRODUCT_NOT_FOUND</c> / <c>PRODUCT_UNAVAILABLE</c> / <c>INSUFFICIENT_FUNDS</c>.</returns>
    public async Task<ProxyKitResult<IReadOnlyList<OrderRow>>> ReserveManyAsync(
        IReadOnlyList<(string OrderId, long ProductId)> items, Guid userId, long priceCents,
        Func<DbConnection, DbTransaction, OrderRow, ValueTask<Guid?>>? pay, CancellationToken cancellationToken)
    {
        var now = Now();
        var orders = new List<OrderRow>(items.Count);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            long current = 0;
            try
            {
                var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // Product id order: two batches sharing products lock their rows in the same order (no deadlock).
                    foreach (var (orderId, productId) in items.OrderBy(static i => i.ProductId))
                    {
                        current = productId;
                        string provider, country;
                        string? isp;
                        long proxyId;
                        using (var reserve = connection.CreateCommand(
                            "UPDATE extsocks_inventory SET state = 'reserved', updated_at = @now WHERE id = @id AND state = 'available' AND provider_status = 1 " +
                            "RETURNING provider, provider_proxy_id, country, isp", transaction).With("now", now).With("id", productId))
                        {
                            var reader = await reserve.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                            await using (reader.ConfigureAwait(false))
                            {
                                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                                {
                                    await reader.DisposeAsync().ConfigureAwait(false);
                                    using var exists = connection.CreateCommand("SELECT 1 FROM extsocks_inventory WHERE id = @id", transaction).With("id", productId);
                                    return await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null or DBNull
                                        ? ProductNotFound(productId)
                                        : ProductUnavailable(productId);
                                }

                                (provider, proxyId, country, isp) = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
                            }
                        }

                        var order = new OrderRow(
                            orderId, userId, productId, provider, proxyId, priceCents, "reserved", null, null, null, country, isp, now, null, null, null, null, now);
                        if (pay is not null)
                        {
                            if (await pay(connection, transaction, order).ConfigureAwait(false) is not { } hold)
                            {
                                return ProxyKitResult.Failure<IReadOnlyList<OrderRow>>(ExternalProxyShop.InsufficientFunds(items.Count, priceCents));
                            }

                            order = items.Count == 1
                                ? order with { State = "buying", HoldId = hold, BuyStartedAt = now }
                                : order with { State = "held", HoldId = hold };
                        }

                        using (var insert = connection.CreateCommand(
                            "INSERT INTO extsocks_orders (id, user_id, product_id, provider, provider_proxy_id, price_cents, state, hold_id, country, isp, created_at, buy_started_at, updated_at) " +
                            "VALUES (@id, @user, @product, @provider, @proxy, @price, @state, @hold, @country, @isp, @now, @started, @now)", transaction)
                            .With("id", orderId).With("user", userId.ToString("D")).With("product", productId).With("provider", provider).With("proxy", proxyId)
                            .With("price", priceCents).With("state", order.State).With("hold", order.HoldId?.ToString("D")).With("country", country).With("isp", isp)
                            .With("now", now).With("started", order.BuyStartedAt))
                        {
                            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        }

                        orders.Add(order);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return ProxyKitResult.Success<IReadOnlyList<OrderRow>>([.. items.Select(i => orders.Single(o => o.OrderId == i.OrderId))]);
                }
            }
            catch (DbException ex) when (database.Dialect.TryGetUniqueViolation(ex, out var violation) && violation.Matches(LiveProductConstraint, "product_id"))
            {
                return ProductUnavailable(current);
            }
        }
    }

    /// <summary>reserved → held, recording the ledger hold.</summary>
    public Task<bool> SetHeldAsync(string orderId, Guid holdId, CancellationToken cancellationToken) =>
        UpdateAsync(orderId, ["reserved"], "state = 'held', hold_id = @hold", cancellationToken, ("hold", holdId.ToString("D")));

    /// <summary>held → buying: from here the provider may sell, so only the provider's records can fail the order.</summary>
    public Task<bool> StartBuyingAsync(string orderId, CancellationToken cancellationToken) =>
        UpdateAsync(orderId, ["held"], "state = 'buying', buy_started_at = @now", cancellationToken);

    /// <summary>reserved → buying with its hold in one statement (a single purchase skips <c>held</c>: one commit fewer).</summary>
    public Task<bool> StartBuyingAsync(string orderId, Guid holdId, CancellationToken cancellationToken) =>
        UpdateAsync(orderId, ["reserved"], "state = 'buying', hold_id = @hold, buy_started_at = @now", cancellationToken, ("hold", holdId.ToString("D")));

    /// <summary>buying → delivered with the credentials (password sealed); the item is sold. Both or neither.</summary>
    public async Task<bool> DeliverAsync(OrderRow order, ProviderPurchase purchase, CancellationToken cancellationToken) =>
        await DeliverAsync(order, purchase, post: null, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// buying → delivered as above, or straight to completed when <paramref name="post"/> (the hold's settlement in the same
    /// transaction) succeeds. A refused settlement still commits the delivery: once the provider sold, the credentials are
    /// never lost.
    /// </summary>
    /// <returns>The order as written, or <see langword="null"/> when it was no longer buying (settled elsewhere; nothing written).</returns>
    public async Task<OrderRow?> DeliverAsync(
        OrderRow order, ProviderPurchase purchase, Func<DbConnection, DbTransaction, ValueTask<bool>>? post, CancellationToken cancellationToken)
    {
        var now = Now();
        var sealedPassword = protector.Protect(PasswordPurpose, purchase.Password);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // Settling first lets one update write the final state; if the order turns out not to be buying, the
                // rollback returns the settlement too.
                var completed = post is not null && await post(connection, transaction).ConfigureAwait(false);
                // One round trip for both rows. The item's row always exists (reserved and sold items are never removed), so
                // two rows changed means the order was still buying; one means it was not, and the rollback undoes the item.
                using var deliver = connection.CreateCommand(
                    "UPDATE extsocks_orders SET state = @state, credentials_id = @credentials, ip = @ip, port = @port, login = @login, " +
                    "password_protected = @password, completed_at = @completed, updated_at = @now WHERE id = @id AND state = 'buying';" +
                    "UPDATE extsocks_inventory SET state = 'sold', updated_at = @now WHERE id = @product;", transaction)
                    .With("state", completed ? "completed" : "delivered").With("credentials", purchase.CredentialsId).With("ip", purchase.Ip)
                    .With("port", purchase.Port).With("login", purchase.Login).With("password", sealedPassword)
                    .With("completed", completed ? now : null).With("now", now).With("id", order.OrderId).With("product", order.ProductId);
                if (await deliver.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 2)
                {
                    return null;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return order with
                {
                    State = completed ? "completed" : "delivered",
                    Credentials = new ExternalCredentials(purchase.Ip, purchase.Port, purchase.Login, purchase.Password, order.Country, order.Isp, purchase.CredentialsId),
                    CompletedAt = completed ? now : null,
                    UpdatedAt = now,
                };
            }
        }
    }

    /// <summary>delivered → completed: charged and delivered; the refund window starts.</summary>
    public Task<bool> CompleteAsync(string orderId, CancellationToken cancellationToken) =>
        UpdateAsync(orderId, ["delivered"], "state = 'completed', completed_at = @now", cancellationToken);

    /// <summary>
    /// Fails an order that is in one of <paramref name="from"/> and gives its item back (marked offline when the provider
    /// said it is gone), both or neither.
    /// </summary>
    public async Task<bool> FailAsync(OrderRow order, string[] from, string failure, bool itemGone, CancellationToken cancellationToken)
    {
        var now = Now();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var fail = connection.CreateCommand(
                    $"UPDATE extsocks_orders SET state = 'failed', failure = @failure, updated_at = @now WHERE id = @id AND state IN ({StateList(from)})", transaction)
                    .With("failure", failure).With("now", now).With("id", order.OrderId);
                if (await fail.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return false;
                }

                using var release = connection.CreateCommand(
                    $"UPDATE extsocks_inventory SET state = 'available', {(itemGone ? "provider_status = 0, " : string.Empty)}updated_at = @now " +
                    "WHERE id = @id AND state = 'reserved'", transaction).With("now", now).With("id", order.ProductId);
                await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Claims the refund of a completed order of <paramref name="userId"/> completed after <paramref name="windowStart"/>: exactly one claim wins.</summary>
    public Task<bool> ClaimRefundAsync(string orderId, Guid userId, DateTimeOffset windowStart, CancellationToken cancellationToken) =>
        UpdateAsync(orderId, ["completed"], "refund_claimed_at = @now",
            " AND user_id = @user AND refund_claimed_at IS NULL AND completed_at > @window", cancellationToken, ("user", userId.ToString("D")), ("window", windowStart));

    /// <summary>completed (refund claimed) → refunded.</summary>
    public Task<bool> MarkRefundedAsync(string orderId, CancellationToken cancellationToken) =>
        UpdateAsync(orderId, ["completed"], "state = 'refunded', refunded_at = @now", " AND refund_claimed_at IS NOT NULL", cancellationToken);

    /// <summary>Reads an order, or <see langword="null"/>.</summary>
    public async Task<OrderRow?> GetAsync(string orderId, CancellationToken cancellationToken) =>
        (await ReadAsync("WHERE id = @id", cancellationToken, ("id", orderId)).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Reads a user's orders, newest first.</summary>
    public Task<List<OrderRow>> ListByUserAsync(Guid userId, CancellationToken cancellationToken) =>
        ReadAsync("WHERE user_id = @user ORDER BY created_at DESC, id", cancellationToken, ("user", userId.ToString("D")));

    /// <summary>Reads orders a crash or an unknown outcome left unfinished: open and untouched since <paramref name="before"/>, or refunds claimed but not done.</summary>
    public Task<List<OrderRow>> ListUnfinishedAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        ReadAsync(
            "WHERE (state IN ('reserved', 'held', 'buying', 'delivered') AND updated_at < @before) " +
            "OR (state = 'completed' AND refund_claimed_at IS NOT NULL AND refund_claimed_at < @before) ORDER BY updated_at LIMIT @limit",
            cancellationToken, ("before", before), ("limit", limit));

    private static string StateList(string[] states) => string.Join(", ", states.Select(static s => $"'{s}'"));

    private static ProxyKitResult<IReadOnlyList<OrderRow>> ProductNotFound(long productId) => ProxyKitResult.Failure<IReadOnlyList<OrderRow>>(
        ExternalSocksErrorCodes.ProductNotFound, "No product has this id.", new Dictionary<string, object?> { ["product_id"] = productId });

    private static ProxyKitResult<IReadOnlyList<OrderRow>> ProductUnavailable(long productId) => ProxyKitResult.Failure<IReadOnlyList<OrderRow>>(
        ExternalSocksErrorCodes.ProductUnavailable, "The product is sold, reserved by another purchase, or offline.", new Dictionary<string, object?> { ["product_id"] = productId });

    private async Task<bool> UpdateAsync(
        string orderId, string[] from, string set, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        await UpdateAsync(orderId, from, set, string.Empty, cancellationToken, parameters).ConfigureAwait(false);

    private async Task<bool> UpdateAsync(
        string orderId, string[] from, string set, string extraWhere, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand(
                $"UPDATE extsocks_orders SET {set}, updated_at = @now WHERE id = @id AND state IN ({StateList(from)}){extraWhere}", null)
                .With("now", Now()).With("id", orderId);
            foreach (var (name, value) in parameters)
            {
                update.With(name, value);
            }

            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
    }

    private async Task<List<OrderRow>> ReadAsync(string where, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var rows = new List<OrderRow>();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand($"SELECT {Columns} FROM extsocks_orders {where}", null);
            foreach (var (name, value) in parameters)
            {
                select.With(name, value);
            }

            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ExternalCredentials? credentials = reader.IsDBNull(9) ? null : new ExternalCredentials(
                        reader.GetString(10), reader.GetInt32(11), reader.GetString(12), protector.Unprotect(PasswordPurpose, reader.GetString(13)),
                        reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15), reader.GetInt64(9));
                    rows.Add(new OrderRow(
                        reader.GetString(0), Guid.Parse(reader.GetString(1)), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5),
                        reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : Guid.Parse(reader.GetString(8)),
                        credentials, reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetString(15), reader.GetFieldValue<DateTimeOffset>(16),
                        Instant(reader, 17), Instant(reader, 18), Instant(reader, 19), Instant(reader, 20), reader.GetFieldValue<DateTimeOffset>(21)));
                }
            }
        }

        return rows;
    }

    private static DateTimeOffset? Instant(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}

/// <summary>An order as stored (internal states included).</summary>
internal sealed record OrderRow(
    string OrderId,
    Guid UserId,
    long ProductId,
    string Provider,
    long ProxyId,
    long PriceCents,
    string State,
    string? Failure,
    Guid? HoldId,
    ExternalCredentials? Credentials,
    string Country,
    string? Isp,
    DateTimeOffset CreatedAt,
    DateTimeOffset? BuyStartedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? RefundClaimedAt,
    DateTimeOffset? RefundedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The state as users see it: every in-between state is <c>pending</c>.</summary>
    public ExternalOrder ToPublic() => new(
        OrderId, UserId, ProductId, Provider, ProxyId, PriceCents,
        State is "completed" or "failed" or "refunded" ? State : ExternalOrderStates.Pending,
        Failure, State is "completed" or "refunded" ? Credentials : null, CreatedAt, CompletedAt, RefundedAt);
}
