using System.Data.Common;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Sources;

/// <summary>
/// The sources table, including scrape claims: a claim is a lease column (<c>claimed_by</c>, <c>claim_expires_at</c>) taken
/// by one conditional statement (with <c>FOR UPDATE SKIP LOCKED</c> where the engine has it), so several workers never
/// scrape one source at once, and a crashed worker's claim simply expires.
/// </summary>
internal sealed class SourceStore(ProxyKitDatabase database)
{
    private const string Columns =
        "s.id, s.url, s.parser_name, s.cron_schedule, s.default_protocol, s.is_active, s.last_scraped_at, s.created_at, s.next_run_at, " +
        "s.last_success_at, s.last_error, s.last_error_at, s.scrape_count, s.failure_count, s.consecutive_failures, s.last_proxies_found, s.last_duration_ms";

    // Link counts are read per page (a few dozen sources), never for the whole table.
    private const string WithCounts =
        "SELECT " + Columns + ", (SELECT COUNT(*) FROM pool_source_proxies l WHERE l.source_id = s.id), " +
        "(SELECT COUNT(*) FROM pool_source_proxies l JOIN pool_proxies p ON p.id = l.proxy_id WHERE l.source_id = s.id AND p.status = 'active') " +
        "FROM pool_sources s";

    public async Task InsertAsync(ProxySource source, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var insert = connection.CreateCommand(
                "INSERT INTO pool_sources (id, url, parser_name, cron_schedule, default_protocol, is_active, created_at, updated_at, next_run_at) " +
                "VALUES (@id, @url, @parser, @cron, @protocol, @active, @now, @now, @next)", null)
                .With("id", source.Id).With("url", source.Url).With("parser", source.ParserName).With("cron", source.CronSchedule)
                .With("protocol", source.DefaultProtocol).With("active", source.IsActive).With("now", source.CreatedAt).With("next", source.NextRunAt);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<ProxySource?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(WithCounts + " WHERE s.id = @id", null).With("id", id);
            var found = await ReadAllAsync(select, cancellationToken).ConfigureAwait(false);
            return found.Count > 0 ? found[0] : null;
        }
    }

    /// <summary>A page ordered by (created_at, id), after the given position.</summary>
    public async Task<(IReadOnlyList<ProxySource> Items, long Total)> ListAsync(
        bool? isActive, int take, (DateTimeOffset CreatedAt, string Id)? after, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var where = isActive is null ? "WHERE 1 = 1" : "WHERE s.is_active = @active";
            using var count = connection.CreateCommand("SELECT COUNT(*) FROM pool_sources s " + where, null);
            using var select = connection.CreateCommand(string.Empty, null);
            if (isActive is { } active)
            {
                count.With("active", active);
                select.With("active", active);
            }

            if (after is { } position)
            {
                where += " AND (s.created_at, s.id) > (@after_created, @after_id)";
                select.With("after_created", position.CreatedAt).With("after_id", position.Id);
            }

            select.CommandText = $"{WithCounts} {where} ORDER BY s.created_at, s.id LIMIT @take";
            select.With("take", take);
            var total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            return (await ReadAllAsync(select, cancellationToken).ConfigureAwait(false), total);
        }
    }

    /// <summary>Writes a source's editable fields; false when it does not exist.</summary>
    public async Task<bool> UpdateAsync(ProxySource source, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand(
                "UPDATE pool_sources SET url = @url, parser_name = @parser, cron_schedule = @cron, default_protocol = @protocol, is_active = @active, " +
                "next_run_at = @next, updated_at = @now WHERE id = @id", null)
                .With("id", source.Id).With("url", source.Url).With("parser", source.ParserName).With("cron", source.CronSchedule)
                .With("protocol", source.DefaultProtocol).With("active", source.IsActive).With("next", source.NextRunAt).With("now", now);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>Deletes a source and its links; its proxies stay (another source may have found them too).</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var links = connection.CreateCommand("DELETE FROM pool_source_proxies WHERE source_id = @id", transaction).With("id", id);
                await links.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                using var delete = connection.CreateCommand("DELETE FROM pool_sources WHERE id = @id", transaction).With("id", id);
                var deleted = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return deleted;
            }
        }
    }

    /// <summary>Claims up to <paramref name="max"/> active sources that are due and unclaimed (or whose claim expired).</summary>
    public async Task<IReadOnlyList<SourceClaim>> ClaimDueAsync(string worker, int max, DateTimeOffset now, TimeSpan claimFor, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var claim = connection.CreateCommand(
                    "UPDATE pool_sources SET claimed_by = @worker, claim_expires_at = @until WHERE id IN (" +
                    "SELECT id FROM pool_sources WHERE is_active = @true AND next_run_at <= @now AND (claim_expires_at IS NULL OR claim_expires_at <= @now) " +
                    $"ORDER BY next_run_at LIMIT @max {database.Dialect.ForUpdateSkipLocked}) " +
                    "RETURNING id, url, parser_name, default_protocol, cron_schedule", transaction)
                    .With("worker", worker).With("until", now + claimFor).With("true", true).With("now", now).With("max", max);
                var claims = await ReadClaimsAsync(claim, now + claimFor, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return claims;
            }
        }
    }

    /// <summary>Claims one source now, due or not (a manual scrape). <see langword="null"/> when it does not exist or another worker holds it.</summary>
    public async Task<SourceClaim?> ClaimAsync(string id, string worker, DateTimeOffset now, TimeSpan claimFor, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var claim = connection.CreateCommand(
                "UPDATE pool_sources SET claimed_by = @worker, claim_expires_at = @until WHERE id = @id AND (claim_expires_at IS NULL OR claim_expires_at <= @now) " +
                "RETURNING id, url, parser_name, default_protocol, cron_schedule", null)
                .With("worker", worker).With("until", now + claimFor).With("id", id).With("now", now);
            var claims = await ReadClaimsAsync(claim, now + claimFor, cancellationToken).ConfigureAwait(false);
            return claims.Count > 0 ? claims[0] : null;
        }
    }

    /// <summary>
    /// Records a finished scrape and releases the claim — only if this worker still holds it (an expired claim taken over
    /// by another worker is theirs now). <paramref name="nextRunAt"/> <see langword="null"/> leaves the schedule as it is.
    /// </summary>
    public async Task<bool> CompleteAsync(
        string id, string worker, DateTimeOffset now, DateTimeOffset? nextRunAt, ScrapeResult? result, string? error, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var outcome = result is not null
                ? "last_success_at = @now, consecutive_failures = 0, last_proxies_found = @found, last_duration_ms = @duration"
                : "last_error = @error, last_error_at = @now, failure_count = failure_count + 1, consecutive_failures = consecutive_failures + 1, last_duration_ms = @duration";
            using var complete = connection.CreateCommand(
                "UPDATE pool_sources SET claimed_by = NULL, claim_expires_at = NULL, last_scraped_at = @now, scrape_count = scrape_count + 1, " +
                $"next_run_at = COALESCE(@next, next_run_at), {outcome} WHERE id = @id AND claimed_by = @worker", null)
                .With("id", id).With("worker", worker).With("now", now).With("next", nextRunAt)
                .With("found", result?.ProxiesDiscovered).With("duration", result?.DurationMs ?? (long?)null).With("error", error);
            return await complete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    private static async Task<IReadOnlyList<SourceClaim>> ReadClaimsAsync(DbCommand command, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var claims = new List<SourceClaim>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                claims.Add(new SourceClaim(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), expiresAt));
            }
        }

        return claims;
    }

    private static async Task<IReadOnlyList<ProxySource>> ReadAllAsync(DbCommand select, CancellationToken cancellationToken)
    {
        var sources = new List<ProxySource>();
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sources.Add(new ProxySource(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetBoolean(5),
                    Instant(reader, 6),
                    reader.GetFieldValue<DateTimeOffset>(7),
                    Instant(reader, 8),
                    new SourceStats(
                        Instant(reader, 9),
                        reader.IsDBNull(10) ? null : reader.GetString(10),
                        Instant(reader, 11),
                        reader.GetInt64(12),
                        reader.GetInt64(13),
                        reader.GetInt32(14),
                        reader.IsDBNull(15) ? null : reader.GetInt32(15),
                        reader.IsDBNull(16) ? null : reader.GetInt64(16),
                        reader.GetInt64(17),
                        reader.GetInt64(18))));
            }
        }

        return sources;
    }

    private static DateTimeOffset? Instant(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}

/// <summary>A source a worker holds until <paramref name="ExpiresAt"/>.</summary>
internal sealed record SourceClaim(string Id, string Url, string ParserName, string? DefaultProtocol, string CronSchedule, DateTimeOffset ExpiresAt);
