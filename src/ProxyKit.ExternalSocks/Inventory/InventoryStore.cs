using System.Data.Common;
using System.Globalization;
using System.Text;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Storage;

namespace ProxyKit.ExternalSocks.Inventory;

/// <summary>
/// The resale inventory and sync bookkeeping. A listing is applied in one transaction; rows are removed only while
/// <c>available</c> (never reserved or sold), and only for a complete listing.
/// </summary>
internal sealed class InventoryStore(ProxyKitDatabase database, TimeProvider timeProvider)
{
    private const int IdsPerStatement = 500;

    private static readonly BulkColumn[] InsertColumns =
    [
        new("provider", BulkColumnType.Text), new("provider_proxy_id", BulkColumnType.BigInt), new("country", BulkColumnType.Text),
        new("country_code", BulkColumnType.Text), new("city", BulkColumnType.Text), new("isp", BulkColumnType.Text), new("speed", BulkColumnType.Integer),
        new("mobile", BulkColumnType.Boolean), new("hosting", BulkColumnType.Boolean), new("type", BulkColumnType.Text),
        new("provider_status", BulkColumnType.Integer), new("state", BulkColumnType.Text), new("first_seen_at", BulkColumnType.Timestamp),
        new("last_seen_at", BulkColumnType.Timestamp), new("updated_at", BulkColumnType.Timestamp),
    ];

    // A sync that adds or removes this many rows refreshes the table's planner statistics.
    private const int ReanalyzeAfterRows = 1000;

    /// <summary>
    /// Applies a listing of <paramref name="provider"/>: adds new proxies, updates changed ones, and when
    /// <paramref name="complete"/> removes available proxies the listing no longer has (within <paramref name="countryCode"/>
    /// when the listing was filtered by it).
    /// </summary>
    public async Task<(int Added, int Updated, int Skipped, int Removed)> ApplyListingAsync(
        string provider, IReadOnlyCollection<ProviderProxy> listed, bool complete, string? countryCode, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var existing = await ReadKnownAsync(connection, transaction, provider, cancellationToken).ConfigureAwait(false);
                var fresh = new List<object?[]>();
                var changed = new List<ProviderProxy>();
                var seen = new List<long>(listed.Count);
                foreach (var proxy in listed.DistinctBy(static p => p.ProxyId))
                {
                    if (!existing.TryGetValue(proxy.ProxyId, out var known))
                    {
                        fresh.Add([
                            provider, proxy.ProxyId, proxy.Country, proxy.CountryCode, proxy.City, proxy.Isp, proxy.Speed, proxy.Mobile, proxy.Hosting,
                            proxy.Type, proxy.Status, "available", now, now, now]);
                    }
                    else if (known.Proxy != proxy)
                    {
                        changed.Add(proxy);
                    }
                    else
                    {
                        seen.Add(proxy.ProxyId);
                    }
                }

                await database.Dialect.BulkCopyAsync(connection, transaction, "extsocks_inventory", InsertColumns, fresh, cancellationToken).ConfigureAwait(false);
                using (var update = connection.CreateCommand(
                    "UPDATE extsocks_inventory SET country = @country, country_code = @code, city = @city, isp = @isp, speed = @speed, mobile = @mobile, " +
                    "hosting = @hosting, type = @type, provider_status = @status, last_seen_at = @now, updated_at = @now " +
                    "WHERE provider = @provider AND provider_proxy_id = @proxy", transaction))
                {
                    foreach (var proxy in changed)
                    {
                        update.Parameters.Clear();
                        update.With("country", proxy.Country).With("code", proxy.CountryCode).With("city", proxy.City).With("isp", proxy.Isp)
                            .With("speed", proxy.Speed).With("mobile", proxy.Mobile).With("hosting", proxy.Hosting).With("type", proxy.Type)
                            .With("status", proxy.Status).With("now", now).With("provider", provider).With("proxy", proxy.ProxyId);
                        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await ForEachIdBatchAsync(connection, transaction, seen, "UPDATE extsocks_inventory SET last_seen_at = @now WHERE provider = @provider AND provider_proxy_id IN ({0})",
                    command => command.With("now", now).With("provider", provider), cancellationToken).ConfigureAwait(false);

                var removed = 0;
                if (complete)
                {
                    var listedIds = listed.Select(static p => p.ProxyId).ToHashSet();
                    var gone = existing.Values
                        .Where(k => k.State == "available" && !listedIds.Contains(k.Proxy.ProxyId)
                            && (countryCode is null || string.Equals(k.Proxy.CountryCode, countryCode, StringComparison.OrdinalIgnoreCase)))
                        .Select(static k => k.Proxy.ProxyId)
                        .ToList();
                    removed = await ForEachIdBatchAsync(connection, transaction, gone,
                        "DELETE FROM extsocks_inventory WHERE provider = @provider AND state = 'available' AND provider_proxy_id IN ({0})",
                        command => command.With("provider", provider), cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (fresh.Count + removed >= ReanalyzeAfterRows)
                {
                    // Fresh statistics after a bulk change: with none, PostgreSQL costed the listing index (state, status, ...)
                    // like the primary key for a reservation by id and scanned every available row (0.8 ms per purchase).
                    await database.ExecuteAsync("ANALYZE extsocks_inventory", CancellationToken.None).ConfigureAwait(false);
                }

                return (fresh.Count, changed.Count, seen.Count, removed);
            }
        }
    }

    /// <summary>Lists the proxies for sale: available and online at the provider, in product id order.</summary>
    public async Task<InventoryPage> ListAsync(InventoryQuery query, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("state = 'available' AND provider_status = 1");
        var parameters = new List<(string, object?)>();
        if (!string.IsNullOrEmpty(query.CountryCode))
        {
            where.Append(" AND country_code = @code");
            parameters.Add(("code", query.CountryCode.ToUpperInvariant()));
        }

        if (!string.IsNullOrEmpty(query.City))
        {
            where.Append(" AND LOWER(city) = @city");
            parameters.Add(("city", query.City.ToLowerInvariant()));
        }

        if (!string.IsNullOrEmpty(query.Type))
        {
            where.Append(" AND type = @type");
            parameters.Add(("type", query.Type));
        }

        if (!string.IsNullOrEmpty(query.Isp))
        {
            where.Append(" AND LOWER(isp) LIKE @isp");
            parameters.Add(("isp", "%" + query.Isp.ToLowerInvariant().Replace("%", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal) + "%"));
        }

        if (query.MinSpeed is { } minSpeed)
        {
            where.Append(" AND speed >= @speed");
            parameters.Add(("speed", minSpeed));
        }

        var items = new List<InventoryItem>();
        int total;
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var count = connection.CreateCommand($"SELECT COUNT(*) FROM extsocks_inventory WHERE {where}", null))
            {
                parameters.ForEach(p => count.With(p.Item1, p.Item2));
                total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            using var select = connection.CreateCommand(
                "SELECT id, provider, provider_proxy_id, country, country_code, city, isp, speed, type, provider_status " +
                $"FROM extsocks_inventory WHERE {where} ORDER BY id LIMIT @limit OFFSET @offset", null);
            parameters.ForEach(p => select.With(p.Item1, p.Item2));
            select.With("limit", query.PageSize).With("offset", (long)query.Page * query.PageSize);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    items.Add(new InventoryItem(
                        reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                        reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.GetString(8), reader.GetInt32(9)));
                }
            }
        }

        return new InventoryPage(items, total, query.Page, query.PageSize);
    }

    /// <summary>Marks a product offline at the provider (a buy answered sold out): it leaves the listing at once.</summary>
    public Task MarkOfflineAsync(long productId, CancellationToken cancellationToken) =>
        database.ExecuteAsync("UPDATE extsocks_inventory SET provider_status = 0, updated_at = @now WHERE id = @id",
            cancellationToken, ("now", timeProvider.GetUtcNow()), ("id", productId));

    /// <summary>Removes available proxies the provider reports offline; reserved and sold ones stay. Returns how many.</summary>
    public Task<int> RemoveOfflineAsync(CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM extsocks_inventory WHERE state = 'available' AND provider_status <> 1", cancellationToken);

    /// <summary>Takes the sync lease of <paramref name="provider"/> for <paramref name="holder"/> unless another holder's lease is live.</summary>
    public async Task<bool> TryLockSyncAsync(string provider, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return await database.ExecuteAsync(
            "INSERT INTO extsocks_sync_locks (provider, holder, expires_at) VALUES (@provider, @holder, @expires) " +
            "ON CONFLICT (provider) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at " +
            "WHERE extsocks_sync_locks.expires_at <= @now OR extsocks_sync_locks.holder = excluded.holder",
            cancellationToken, ("provider", provider), ("holder", holder), ("expires", now + duration), ("now", now)).ConfigureAwait(false) > 0;
    }

    /// <summary>Releases the sync lease if <paramref name="holder"/> still has it.</summary>
    public Task UnlockSyncAsync(string provider, string holder, CancellationToken cancellationToken) =>
        database.ExecuteAsync("DELETE FROM extsocks_sync_locks WHERE provider = @provider AND holder = @holder", cancellationToken, ("provider", provider), ("holder", holder));

    /// <summary>Records a sync's result.</summary>
    public Task RecordSyncAsync(SyncResult result, string? countryCode, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            "INSERT INTO extsocks_sync_runs (provider, country_code, started_at, finished_at, complete, total_fetched, total_available_external, " +
            "added, updated, skipped, removed, error) VALUES (@provider, @code, @started, @finished, @complete, @fetched, @available, @added, @updated, " +
            "@skipped, @removed, @error)",
            cancellationToken, ("provider", result.Provider), ("code", countryCode), ("started", startedAt), ("finished", result.SyncTime),
            ("complete", result.Complete), ("fetched", result.TotalFetched), ("available", result.TotalAvailableExternal), ("added", result.Added),
            ("updated", result.Updated), ("skipped", result.Skipped), ("removed", result.Removed), ("error", result.Error));

    /// <summary>Reads the most recent sync of any provider, or <see langword="null"/>.</summary>
    public async Task<SyncResult?> LastSyncAsync(bool completeOnly, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT provider, total_fetched, total_available_external, added, updated, skipped, removed, complete, finished_at, error " +
                $"FROM extsocks_sync_runs {(completeOnly ? "WHERE complete = @true " : string.Empty)}ORDER BY id DESC LIMIT 1", null);
            if (completeOnly)
            {
                select.With("true", true);
            }

            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new SyncResult(
                        reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5),
                        reader.GetInt32(6), reader.GetBoolean(7), reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9))
                    : null;
            }
        }
    }

    /// <summary>Computes the seed's statistics from the inventory, the orders and the sync journal.</summary>
    public async Task<SalesStatistics> GetStatisticsAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT (SELECT COUNT(*) FROM extsocks_inventory WHERE state = 'available' AND provider_status = 1), " +
                "(SELECT COUNT(*) FROM extsocks_orders WHERE state IN ('completed', 'refunded')), " +
                "(SELECT COUNT(*) FROM extsocks_orders WHERE state = 'refunded'), " +
                "(SELECT COALESCE(SUM(price_cents), 0) FROM extsocks_orders WHERE state = 'completed'), " +
                "(SELECT COUNT(DISTINCT country_code) FROM extsocks_inventory WHERE state = 'available' AND provider_status = 1)", null);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var (inventory, sold, refunded, revenue, countries) = (
                    Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
                    Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture),
                    Convert.ToInt32(reader.GetValue(4), CultureInfo.InvariantCulture));
                var last = await LastSyncAsync(completeOnly: true, cancellationToken).ConfigureAwait(false);
                return new SalesStatistics(inventory, sold, refunded, revenue, countries, last?.SyncTime);
            }
        }
    }

    private static async Task<Dictionary<long, (ProviderProxy Proxy, string State)>> ReadKnownAsync(
        DbConnection connection, DbTransaction transaction, string provider, CancellationToken cancellationToken)
    {
        var known = new Dictionary<long, (ProviderProxy, string)>();
        using var select = connection.CreateCommand(
            "SELECT provider_proxy_id, country, country_code, city, isp, speed, mobile, hosting, provider_status, state " +
            "FROM extsocks_inventory WHERE provider = @provider", transaction).With("provider", provider);
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var proxy = new ProviderProxy(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetBoolean(6), reader.GetBoolean(7),
                    reader.GetInt32(8));
                known[proxy.ProxyId] = (proxy, reader.GetString(9));
            }
        }

        return known;
    }

    /// <summary>Runs <paramref name="sqlFormat"/> with <c>{0}</c> replaced by a list of id parameters, in batches; returns rows affected.</summary>
    private static async Task<int> ForEachIdBatchAsync(
        DbConnection connection, DbTransaction transaction, List<long> ids, string sqlFormat, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        var affected = 0;
        for (var start = 0; start < ids.Count; start += IdsPerStatement)
        {
            var batch = ids.Skip(start).Take(IdsPerStatement).ToList();
            var names = string.Join(", ", batch.Select((_, i) => "@i" + i.ToString(CultureInfo.InvariantCulture)));
            using var command = connection.CreateCommand(string.Format(CultureInfo.InvariantCulture, sqlFormat, names), transaction);
            bind(command);
            for (var i = 0; i < batch.Count; i++)
            {
                command.With("i" + i.ToString(CultureInfo.InvariantCulture), batch[i]);
            }

            affected += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return affected;
    }

}
