using System.Data.Common;
using System.Text;
using System.Text.Json;
using ProxyKit.Pool.Internal;
using ProxyKit.Pool.Parsing;
using ProxyKit.Secrets;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Proxies;

/// <summary>
/// The proxies table: ingest from scrapes (staged in bulk, then merged), keyset queries that read as of the first page's
/// instant, state changes that keep the values they replace, and statistics.
/// </summary>
internal sealed class ProxyStore(ProxyKitDatabase database, SecretProtector protector)
{
    internal const string CredentialsPurpose = "pool.proxy-credentials";

    // Measures never taken hold their worst value, so every sort key is NOT NULL (and indexable); the API shows null.
    internal const double NeverLatency = 1e15;
    internal const double NeverUptime = -1;
    internal static readonly DateTimeOffset NeverChecked = DateTimeOffset.UnixEpoch;

    private const string StateColumns = "status, anonymity, country, score, avg_latency_ms, uptime_pct, last_checked_at";

    private static readonly BulkColumn[] StagingColumns =
    [
        new("id", BulkColumnType.Text),
        new("protocol", BulkColumnType.Text),
        new("ip", BulkColumnType.Text),
        new("port", BulkColumnType.Integer),
        new("username", BulkColumnType.Text),
        new("password_protected", BulkColumnType.Text),
        new("credentials_key", BulkColumnType.Text),
        new("country", BulkColumnType.Text),
    ];

    /// <summary>
    /// Stores what a scrape found: unknown proxies are inserted as <c>unchecked</c>, known ones untouched, and every one is
    /// linked to the source. One transaction; rows are staged with the engine's bulk copy, then merged by set statements
    /// in key order (so concurrent scrapes of overlapping lists take row locks in the same order).
    /// </summary>
    /// <returns>How many of <paramref name="proxies"/> were new.</returns>
    public async Task<int> IngestAsync(string sourceId, IReadOnlyList<ParsedProxy> proxies, string fallbackProtocol, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (proxies.Count == 0)
        {
            return 0;
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, "DROP TABLE IF EXISTS pool_ingest", cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction,
                    "CREATE TEMP TABLE pool_ingest (id TEXT NOT NULL, protocol TEXT NOT NULL, ip TEXT NOT NULL, port INTEGER NOT NULL, " +
                    "username TEXT NULL, password_protected TEXT NULL, credentials_key TEXT NOT NULL, country TEXT NULL)", cancellationToken).ConfigureAwait(false);
                await database.Dialect.BulkCopyAsync(connection, transaction, "pool_ingest", StagingColumns, Rows(proxies, fallbackProtocol), cancellationToken)
                    .ConfigureAwait(false);

                // "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint.
                using var insert = connection.CreateCommand(
                    "INSERT INTO pool_proxies (id, protocol, ip, port, username, password_protected, credentials_key, country, status, score, avg_latency_ms, " +
                    "uptime_pct, last_checked_at, first_seen_at, sort_changed_at, tags) " +
                    "SELECT id, protocol, ip, port, username, password_protected, credentials_key, country, 'unchecked', 0, @never_latency, @never_uptime, " +
                    "@never_checked, @now, @now, '{}' FROM pool_ingest WHERE true ORDER BY protocol, ip, port, credentials_key " +
                    "ON CONFLICT (protocol, ip, port, credentials_key) DO NOTHING", transaction)
                    .With("never_latency", NeverLatency).With("never_uptime", NeverUptime).With("never_checked", NeverChecked).With("now", now);
                var inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

                // DISTINCT: two staged rows may be one proxy (a record without a protocol and the same one with the fallback's), and
                // PostgreSQL refuses an ON CONFLICT DO UPDATE that would touch one row twice.
                using var link = connection.CreateCommand(
                    "INSERT INTO pool_source_proxies (source_id, proxy_id, first_seen_at, last_seen_at) " +
                    "SELECT DISTINCT @source, p.id, @now, @now FROM pool_ingest i JOIN pool_proxies p ON p.protocol = i.protocol AND p.ip = i.ip " +
                    "AND p.port = i.port AND p.credentials_key = i.credentials_key WHERE true " +
                    "ON CONFLICT (source_id, proxy_id) DO UPDATE SET last_seen_at = excluded.last_seen_at", transaction)
                    .With("source", sourceId).With("now", now);
                await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "DROP TABLE pool_ingest", cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return inserted;
            }
        }
    }

    /// <summary>Reads one page. <paramref name="cursor"/> (already verified to belong to this query) continues a listing as of its snapshot.</summary>
    public async Task<ProxyPage> QueryAsync(ProxyQuery query, ulong fingerprint, PageCursor? cursor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var descending = query.Descending ?? query.Sort != ProxySortField.Latency;
        var key = query.Sort switch
        {
            ProxySortField.Latency => "avg_latency_ms",
            ProxySortField.Uptime => "uptime_pct",
            ProxySortField.LastChecked => "last_checked_at",
            _ => "score",
        };
        var snapshotAt = cursor?.SnapshotAt ?? now;
        var order = descending ? "DESC" : "ASC";

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (cursor is null)
            {
                // The first page reads the live table, so it already shows changes stamped after "now" by a host whose clock runs
                // ahead. The snapshot must include them too, or later pages (read as of it) would place those proxies where they
                // were before and repeat or skip them.
                using var latest = connection.CreateCommand("SELECT MAX(sort_changed_at) FROM pool_proxies", null);
                if (await latest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull && ToInstant(value) > now)
                {
                    snapshotAt = ToInstant(value);
                }
            }

            // The first page's count runs on a second connection while this one reads the page.
            var counting = cursor is null ? CountAsync(query, snapshotAt, cancellationToken) : null;

            // The first page reads the live table. Later pages read the state as of the snapshot: rows unchanged since, plus
            // the values changed rows had then (the history entry whose validity spans the snapshot). Each half is its own
            // keyset-limited read (the live half walks the sort index), merged and cut to the page.
            using var select = connection.CreateCommand(string.Empty, null);
            var live = new StringBuilder("WHERE 1 = 1");
            AddFilters(select, live, query, snapshotAt, "p");
            if (cursor is null)
            {
                select.CommandText = $"SELECT {Columns("p")} FROM pool_proxies p {live} ORDER BY p.{key} {order}, p.id {order} LIMIT @take";
            }
            else
            {
                var changed = new StringBuilder("WHERE h.valid_from <= @asof AND h.changed_at > @asof");
                AddFilters(select, changed, query, snapshotAt, "h", addParameters: false);
                var after = descending ? "<" : ">";
                live.Append(" AND p.sort_changed_at <= @asof AND p.first_seen_at <= @asof AND (p.").Append(key).Append(", p.id) ").Append(after).Append(" (@after_key, @after_id)");
                changed.Append(" AND (h.").Append(key).Append(", h.proxy_id) ").Append(after).Append(" (@after_key, @after_id)");
                select.CommandText =
                    $"SELECT * FROM (SELECT {Columns("p")} FROM pool_proxies p {live} ORDER BY p.{key} {order}, p.id {order} LIMIT @take) live " +
                    $"UNION ALL SELECT * FROM (SELECT {Columns("h")} FROM pool_proxy_history h JOIN pool_proxies p ON p.id = h.proxy_id {changed} " +
                    $"ORDER BY h.{key} {order}, h.proxy_id {order} LIMIT @take) changed ORDER BY {key} {order}, id {order} LIMIT @take";
                select.With("asof", snapshotAt);
                select.With("after_key", query.Sort == ProxySortField.LastChecked
                    ? new DateTimeOffset(cursor.LastKeyBits, TimeSpan.Zero)
                    : BitConverter.Int64BitsToDouble(cursor.LastKeyBits));
                select.With("after_id", cursor.LastId);
            }

            select.With("take", query.Limit + 1);
            var items = new List<PoolProxy>(query.Limit + 1);
            try
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        items.Add(Read(reader));
                    }
                }
            }
            catch when (counting is not null)
            {
                await ((Task)counting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                throw;
            }

            var total = counting is null ? cursor!.TotalCount : await counting.ConfigureAwait(false);
            string? next = null;
            if (items.Count > query.Limit)
            {
                items.RemoveAt(items.Count - 1);
                var last = items[^1];
                var bits = query.Sort switch
                {
                    ProxySortField.Latency => BitConverter.DoubleToInt64Bits(last.AvgLatencyMs ?? NeverLatency),
                    ProxySortField.Uptime => BitConverter.DoubleToInt64Bits(last.UptimePct ?? NeverUptime),
                    ProxySortField.LastChecked => (last.LastCheckedAt ?? NeverChecked).UtcTicks,
                    _ => BitConverter.DoubleToInt64Bits(last.Score),
                };
                next = new PageCursor(fingerprint, snapshotAt, total, bits, last.Id).Encode(protector);
            }

            return new ProxyPage(items, next, total);
        }
    }

    public async Task<PoolProxyDetails?> GetAsync(string id, int recentChecks, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            PoolProxy? proxy = null;
            using (var select = connection.CreateCommand(
                $"SELECT {Columns("p")} FROM pool_proxies p WHERE p.id = @id", null).With("id", id))
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        proxy = Read(reader);
                    }
                }
            }

            if (proxy is null)
            {
                return null;
            }

            var checks = new List<ProxyCheckRecord>();
            using (var select = connection.CreateCommand(
                "SELECT checker_name, stage, passed, latency_ms, detail, created_at FROM pool_proxy_checks WHERE proxy_id = @id " +
                "ORDER BY created_at DESC, id DESC LIMIT @take", null).With("id", id).With("take", recentChecks))
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        checks.Add(new ProxyCheckRecord(
                            reader.GetString(0), reader.GetInt32(1), reader.GetBoolean(2),
                            reader.IsDBNull(3) ? null : reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                            reader.GetFieldValue<DateTimeOffset>(5)));
                    }
                }
            }

            return new PoolProxyDetails(proxy, checks);
        }
    }

    /// <summary>
    /// Changes a proxy's measured state, first keeping the values it replaces (valid from the previous change until this
    /// one), so listings that started before see the proxy where it was. Returns false when the proxy does not exist.
    /// </summary>
    public async Task<bool> UpdateStateAsync(string id, ProxyStateUpdate update, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (!await WriteStateAsync(connection, transaction, id, update, now, null, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>
    /// Within <paramref name="transaction"/>: keeps the state a change replaces in the history, then writes the new state
    /// (and <paramref name="extra"/>'s further assignments, e.g. validation evidence). False when the proxy does not exist.
    /// </summary>
    internal async Task<bool> WriteStateAsync(
        DbConnection connection, DbTransaction transaction, string id, ProxyStateUpdate update, DateTimeOffset now,
        (string Assignments, Action<DbCommand> Bind)? extra, CancellationToken cancellationToken)
    {
        DateTimeOffset previous;
        using (var select = connection.CreateCommand(
            $"SELECT sort_changed_at FROM pool_proxies WHERE id = @id {database.Dialect.ForUpdate}", transaction).With("id", id))
        {
            var value = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            if (value is null or DBNull)
            {
                return false;
            }

            previous = ToInstant(value);
        }

        // Changes of one proxy are strictly ordered in time even when clocks of two hosts disagree.
        var changedAt = now > previous ? now : previous.AddTicks(10);
        using (var history = connection.CreateCommand(
            $"INSERT INTO pool_proxy_history (proxy_id, valid_from, changed_at, {StateColumns}) " +
            $"SELECT id, sort_changed_at, @changed_at, {StateColumns} FROM pool_proxies WHERE id = @id", transaction)
            .With("id", id).With("changed_at", changedAt))
        {
            await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var change = connection.CreateCommand(
            "UPDATE pool_proxies SET status = @status, anonymity = @anonymity, exit_ip = @exit_ip, country = @country, score = @score, " +
            "avg_latency_ms = @latency, uptime_pct = @uptime, last_checked_at = @checked, sort_changed_at = @changed_at" +
            (extra is { } more ? ", " + more.Assignments : string.Empty) + " WHERE id = @id", transaction)
            .With("id", id).With("status", update.Status).With("anonymity", update.Anonymity).With("exit_ip", update.ExitIp)
            .With("country", update.Country).With("score", update.Score).With("latency", update.AvgLatencyMs ?? NeverLatency)
            .With("uptime", update.UptimePct ?? NeverUptime).With("checked", update.LastCheckedAt ?? NeverChecked).With("changed_at", changedAt);
        extra?.Bind(change);
        await change.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes history no cursor can still need.</summary>
    public async Task<int> PruneHistoryAsync(DateTimeOffset changedBefore, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var delete = connection.CreateCommand("DELETE FROM pool_proxy_history WHERE changed_at < @before", null).With("before", changedBefore);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<PoolStatistics> GetStatisticsAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var byStatus = await GroupAsync(connection, "status", cancellationToken).ConfigureAwait(false);
            var byProtocol = await GroupAsync(connection, "protocol", cancellationToken).ConfigureAwait(false);
            var byAnonymity = await GroupAsync(connection, "anonymity", cancellationToken).ConfigureAwait(false);
            double? avgScore = null, avgLatency = null;
            DateTimeOffset? lastValidation = null;
            using (var select = connection.CreateCommand(
                "SELECT AVG(CASE WHEN status <> 'unchecked' THEN score END), AVG(CASE WHEN avg_latency_ms < @never_latency THEN avg_latency_ms END), " +
                "MAX(last_checked_at) FROM pool_proxies", null).With("never_latency", NeverLatency))
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        avgScore = reader.IsDBNull(0) ? null : reader.GetDouble(0);
                        avgLatency = reader.IsDBNull(1) ? null : reader.GetDouble(1);
                        lastValidation = reader.IsDBNull(2) ? null : OrNull(reader.GetFieldValue<DateTimeOffset>(2));
                    }
                }
            }

            long sourcesTotal = 0, sourcesActive = 0;
            DateTimeOffset? lastScrape = null;
            using (var select = connection.CreateCommand(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN is_active THEN 1 ELSE 0 END), 0), MAX(last_scraped_at) FROM pool_sources", null))
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        sourcesTotal = reader.GetInt64(0);
                        sourcesActive = reader.GetInt64(1);
                        lastScrape = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
                    }
                }
            }

            return new PoolStatistics(
                byStatus.Values.Sum(), byStatus, byProtocol, byAnonymity, avgScore, avgLatency, sourcesActive, sourcesTotal, lastScrape, lastValidation);
        }
    }

    private static DateTimeOffset? OrNull(DateTimeOffset instant) => instant <= NeverChecked ? null : instant;

    // A scalar instant as the engine returns it: DateTime (UTC) from PostgreSQL, ISO-8601 text from SQLite.
    private static DateTimeOffset ToInstant(object value) => value switch
    {
        DateTimeOffset instant => instant,
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        _ => DateTimeOffset.Parse((string)value, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<Dictionary<string, long>> GroupAsync(DbConnection connection, string column, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var select = connection.CreateCommand($"SELECT {column}, COUNT(*) FROM pool_proxies WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY {column}", null);
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        return counts;
    }

    private async Task<long> CountAsync(ProxyQuery query, DateTimeOffset snapshotAt, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var filters = new StringBuilder("WHERE 1 = 1");
            using var count = connection.CreateCommand(string.Empty, null);
            AddFilters(count, filters, query, snapshotAt, "p");
            count.CommandText = "SELECT COUNT(*) FROM pool_proxies p " + filters;
            return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static string Columns(string state) =>
        "p.id, p.protocol, p.ip, p.port, p.username, p.exit_ip, p.first_seen_at, p.tags, p.credentials_key, " +
        $"{state}.status, {state}.anonymity, {state}.country, {state}.score, {state}.avg_latency_ms, {state}.uptime_pct, {state}.last_checked_at";

    // addParameters false: the same filters over another alias, whose parameters are already on the command.
    private static void AddFilters(DbCommand command, StringBuilder where, ProxyQuery query, DateTimeOffset snapshotAt, string s, bool addParameters = true)
    {
        var parameters = addParameters ? command : null;
        if (query.Status is not null)
        {
            where.Append(" AND " + s + ".status = @status");
            parameters?.With("status", query.Status);
        }

        if (query.Protocol is not null)
        {
            where.Append(" AND p.protocol = @protocol");
            parameters?.With("protocol", query.Protocol);
        }

        if (query.Anonymity is not null)
        {
            where.Append(" AND " + s + ".anonymity = @anonymity");
            parameters?.With("anonymity", query.Anonymity);
        }

        if (query.Country is not null)
        {
            where.Append(" AND " + s + ".country = @country");
            parameters?.With("country", query.Country);
        }

        if (query.MinScore is { } minScore)
        {
            where.Append(" AND " + s + ".score >= @min_score");
            parameters?.With("min_score", minScore);
        }

        if (query.MaxLatencyMs is { } maxLatency)
        {
            where.Append(" AND " + s + ".avg_latency_ms <= @max_latency");
            parameters?.With("max_latency", maxLatency);
        }

        if (query.MinUptimePct is { } minUptime)
        {
            where.Append(" AND " + s + ".uptime_pct >= @min_uptime");
            parameters?.With("min_uptime", minUptime);
        }

        if (query.VerifiedWithinMinutes is { } minutes)
        {
            where.Append(" AND " + s + ".last_checked_at >= @checked_since");
            parameters?.With("checked_since", snapshotAt.AddMinutes(-minutes));
        }
    }

    private static PoolProxy Read(DbDataReader reader)
    {
        var tags = reader.GetString(7);
        var latency = reader.GetDouble(13);
        var uptime = reader.GetDouble(14);
        return new PoolProxy(
            reader.GetString(0),
            reader.GetString(2),
            reader.GetInt32(3),
            reader.GetString(1),
            reader.GetString(9),
            reader.IsDBNull(10) ? null : reader.GetString(10),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(11) ? null : reader.GetString(11),
            reader.GetDouble(12),
            latency >= NeverLatency ? null : latency,
            uptime < 0 ? null : uptime,
            OrNull(reader.GetFieldValue<DateTimeOffset>(15)),
            reader.GetFieldValue<DateTimeOffset>(6),
            tags is "{}" or "" ? EmptyTags : JsonSerializer.Deserialize<Dictionary<string, string>>(tags) ?? EmptyTags,
            reader.GetString(8).Length > 0);
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyTags = new Dictionary<string, string>();

    private IEnumerable<object?[]> Rows(IReadOnlyList<ParsedProxy> proxies, string fallbackProtocol)
    {
        foreach (var proxy in proxies)
        {
            string? protectedPassword = null;
            var credentialsKey = string.Empty;
            if (proxy.Username is not null || proxy.Password is not null)
            {
                var username = proxy.Username ?? string.Empty;
                var password = proxy.Password ?? string.Empty;
                credentialsKey = protector.Hash(CredentialsPurpose, string.Concat(username, "\0", password));
                protectedPassword = protector.Protect(CredentialsPurpose, password);
            }

            yield return [Guid.CreateVersion7().ToString("D"), proxy.Protocol ?? fallbackProtocol, proxy.Ip, proxy.Port, proxy.Username, protectedPassword, credentialsKey, proxy.Country];
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand(sql, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A proxy's measured state after a check round (written by the checkers).</summary>
internal sealed record ProxyStateUpdate(
    string Status, string? Anonymity, string? ExitIp, string? Country, double Score, double? AvgLatencyMs, double? UptimePct, DateTimeOffset? LastCheckedAt);
