using System.Data.Common;
using System.Text;
using ProxyKit.Leasing;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Leasing;

/// <summary>
/// The leases table. One active lease per proxy is the partial unique index <c>ux_pool_leases_active_proxy</c>'s
/// guarantee; acquiring is one write transaction that first expires the matching proxies' lapsed leases, then inserts
/// the best free candidate with <c>ON CONFLICT DO NOTHING</c>, so a race lost to another host is an empty insert that
/// is simply tried again against the next candidate.
/// </summary>
internal sealed class LeaseStore(ProxyKitDatabase database)
{
    private const int MaxInsertAttempts = 64;

    public SqlDialect Dialect => database.Dialect;

    /// <summary>Whether any active proxy matches <paramref name="filter"/>, and whether one of those is free now.</summary>
    public async Task<(bool AnyMatch, bool AnyFree)> ProbeAsync(LeaseFilter filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var probe = connection.CreateCommand(string.Empty, null);
            var where = Filters(probe, filter);
            probe.CommandText =
                $"SELECT CASE WHEN EXISTS (SELECT 1 FROM pool_proxies p WHERE {where} AND NOT EXISTS (SELECT 1 FROM pool_leases l " +
                $"WHERE l.proxy_id = p.id AND l.status = 'active' AND l.expires_at > @now)) THEN 2 " +
                $"WHEN EXISTS (SELECT 1 FROM pool_proxies p WHERE {where}) THEN 1 ELSE 0 END";
            probe.With("now", now);
            var state = Convert.ToInt32(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            return (state > 0, state == 2);
        }
    }

    /// <summary>
    /// Creates the lease on the best-scoring free proxy matching <paramref name="filter"/> (payment <c>held</c>), after
    /// expiring that set's lapsed leases. Returns the proxy's id (null when none is free) and the leases it expired.
    /// </summary>
    /// <exception cref="DbException">A unique violation of <c>ux_pool_leases_idempotency</c> when a concurrent request with the same key won.</exception>
    public async Task<(string? ProxyId, IReadOnlyList<ExpiredLease> Expired)> InsertAsync(NewLease lease, LeaseFilter filter, CancellationToken cancellationToken)
    {
        var expired = new List<ExpiredLease>();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var expire = connection.CreateCommand(string.Empty, transaction))
                {
                    var where = Filters(expire, filter);
                    expire.CommandText =
                        // Locked in id order, so two acquisitions expiring overlapping sets never deadlock.
                        "UPDATE pool_leases SET status = 'expired', ended_at = expires_at WHERE status = 'active' AND id IN " +
                        "(SELECT x.id FROM pool_leases x WHERE x.status = 'active' AND x.expires_at <= @now AND x.proxy_id IN " +
                        $"(SELECT p.id FROM pool_proxies p WHERE {where}) ORDER BY x.id {database.Dialect.ForUpdate}) RETURNING id, user_id, proxy_id, expires_at";
                    expire.With("now", lease.AcquiredAt);
                    await ReadExpiredAsync(expire, expired, cancellationToken).ConfigureAwait(false);
                }

                string? proxyId = null;
                for (var attempt = 0; attempt < MaxInsertAttempts && proxyId is null; attempt++)
                {
                    // Each statement sees what committed before it started (READ COMMITTED): a candidate another transaction
                    // leased since the last attempt is no longer chosen, and one it is leasing right now makes the insert wait
                    // for that transaction, then do nothing.
                    using var insert = connection.CreateCommand(string.Empty, transaction);
                    var where = Filters(insert, filter);
                    insert.CommandText =
                        "INSERT INTO pool_leases (id, proxy_id, user_id, status, acquired_at, expires_at, cost, hold_id, payment, idempotency_key, request_fingerprint) " +
                        "SELECT @id, p.id, @user, 'active', @now, @expires, @cost, @hold, 'held', @key, @fingerprint FROM pool_proxies p " +
                        $"WHERE {where} AND NOT EXISTS (SELECT 1 FROM pool_leases l WHERE l.proxy_id = p.id AND l.status = 'active') " +
                        "ORDER BY p.score DESC, p.id LIMIT 1 " +
                        "ON CONFLICT (proxy_id) WHERE status = 'active' DO NOTHING RETURNING proxy_id";
                    insert.With("id", lease.Id.ToString("D")).With("user", lease.UserId.ToString("D")).With("now", lease.AcquiredAt)
                        .With("expires", lease.ExpiresAt).With("cost", lease.Cost).With("hold", lease.HoldId?.ToString("D"))
                        .With("key", lease.IdempotencyKey).With("fingerprint", lease.Fingerprint);
                    var inserted = await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    if (inserted is string id)
                    {
                        proxyId = id;
                        break;
                    }

                    if (!await AnyFreeAsync(connection, transaction, filter, cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (proxyId, expired);
            }
        }
    }

    /// <summary>Marks the lease's payment posted.</summary>
    public async Task MarkPostedAsync(Guid leaseId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand("UPDATE pool_leases SET payment = 'posted' WHERE id = @id", null).With("id", leaseId.ToString("D"));
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes a lease that was never paid for (its hold was voided), so it never existed.</summary>
    public async Task DeleteUnpaidAsync(Guid leaseId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var delete = connection.CreateCommand("DELETE FROM pool_leases WHERE id = @id AND payment = 'held'", null).With("id", leaseId.ToString("D"));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Finds the lease the user acquired with <paramref name="idempotencyKey"/>.</summary>
    public Task<StoredLease?> FindByKeyAsync(Guid userId, string idempotencyKey, CancellationToken cancellationToken) =>
        FindAsync("l.user_id = @user AND l.idempotency_key = @key", c => c.With("user", userId.ToString("D")).With("key", idempotencyKey), cancellationToken);

    /// <summary>Reads one lease with its proxy.</summary>
    public Task<StoredLease?> GetAsync(Guid leaseId, CancellationToken cancellationToken) =>
        FindAsync("l.id = @id", c => c.With("id", leaseId.ToString("D")), cancellationToken);

    /// <summary>
    /// Ends the user's lease: <c>released</c> now, or <c>expired</c> at its expiry if that passed. Repeating it returns the
    /// first outcome; null when the lease does not exist or is another user's.
    /// </summary>
    public async Task<LeaseRelease?> ReleaseAsync(Guid userId, Guid leaseId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var release = connection.CreateCommand(
                "UPDATE pool_leases SET status = CASE WHEN expires_at > @now THEN 'released' ELSE 'expired' END, " +
                "ended_at = CASE WHEN expires_at > @now THEN @now ELSE expires_at END " +
                "WHERE id = @id AND user_id = @user AND status = 'active' RETURNING status, ended_at", null)
                .With("id", leaseId.ToString("D")).With("user", userId.ToString("D")).With("now", now))
            {
                var reader = await release.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return new LeaseRelease(leaseId, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
                    }
                }
            }

            using var select = connection.CreateCommand("SELECT status, ended_at FROM pool_leases WHERE id = @id AND user_id = @user", null)
                .With("id", leaseId.ToString("D")).With("user", userId.ToString("D"));
            var existing = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (existing.ConfigureAwait(false))
            {
                return await existing.ReadAsync(cancellationToken).ConfigureAwait(false) && !existing.IsDBNull(1)
                    ? new LeaseRelease(leaseId, existing.GetString(0), existing.GetFieldValue<DateTimeOffset>(1))
                    : null;
            }
        }
    }

    /// <summary>Marks up to <paramref name="batch"/> lapsed leases expired and returns them (each exactly once across hosts).</summary>
    public async Task<IReadOnlyList<ExpiredLease>> ExpireDueAsync(DateTimeOffset now, int batch, CancellationToken cancellationToken)
    {
        var expired = new List<ExpiredLease>();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Rows another host is expiring or releasing are skipped, not waited for (so no lock order to respect); the outer
            // status test keeps a lease ended meanwhile from being reported twice.
            using var expire = connection.CreateCommand(
                "UPDATE pool_leases SET status = 'expired', ended_at = expires_at WHERE status = 'active' AND id IN " +
                "(SELECT id FROM pool_leases WHERE status = 'active' AND expires_at <= @now ORDER BY expires_at LIMIT @batch " +
                $"{database.Dialect.ForUpdateSkipLocked}) " +
                "RETURNING id, user_id, proxy_id, expires_at", null).With("now", now).With("batch", batch);
            await ReadExpiredAsync(expire, expired, cancellationToken).ConfigureAwait(false);
        }

        return expired;
    }

    /// <summary>The user's leases that are active and not past their expiry, soonest expiry first.</summary>
    public async Task<IReadOnlyList<LeaseSummary>> ListActiveAsync(Guid userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var leases = new List<LeaseSummary>();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT l.id, p.ip, p.port, p.protocol, p.country, p.anonymity, l.acquired_at, l.expires_at FROM pool_leases l " +
                "JOIN pool_proxies p ON p.id = l.proxy_id WHERE l.user_id = @user AND l.status = 'active' AND l.expires_at > @now " +
                "ORDER BY l.expires_at, l.id", null).With("user", userId.ToString("D")).With("now", now);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    leases.Add(new LeaseSummary(
                        Guid.Parse(reader.GetString(0)), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                        reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
                }
            }
        }

        return leases;
    }

    private async Task<StoredLease?> FindAsync(string where, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT l.id, l.user_id, l.status, l.acquired_at, l.expires_at, l.request_fingerprint, p.id, p.ip, p.port, p.protocol, p.country, " +
                $"p.anonymity, p.username, p.password_protected FROM pool_leases l JOIN pool_proxies p ON p.id = l.proxy_id WHERE {where}", null);
            bind(select);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new StoredLease(
                    Guid.Parse(reader.GetString(0)), Guid.Parse(reader.GetString(1)), reader.GetString(2),
                    reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5),
                    reader.GetString(6), reader.GetString(7), reader.GetInt32(8), reader.GetString(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                    reader.IsDBNull(12) ? null : reader.GetString(12), reader.IsDBNull(13) ? null : reader.GetString(13));
            }
        }
    }

    private static async Task<bool> AnyFreeAsync(DbConnection connection, DbTransaction transaction, LeaseFilter filter, CancellationToken cancellationToken)
    {
        using var probe = connection.CreateCommand(string.Empty, transaction);
        var where = Filters(probe, filter);
        probe.CommandText =
            $"SELECT COUNT(*) FROM (SELECT 1 FROM pool_proxies p WHERE {where} AND NOT EXISTS " +
            "(SELECT 1 FROM pool_leases l WHERE l.proxy_id = p.id AND l.status = 'active') LIMIT 1) free";
        return Convert.ToInt64(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static async Task ReadExpiredAsync(DbCommand command, List<ExpiredLease> expired, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                expired.Add(new ExpiredLease(Guid.Parse(reader.GetString(0)), Guid.Parse(reader.GetString(1)), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }
    }

    // The candidate set: active proxies matching the request's filters (parameters added to the command).
    private static string Filters(DbCommand command, LeaseFilter filter)
    {
        var where = new StringBuilder("p.status = 'active'");
        if (filter.Protocol is not null)
        {
            where.Append(" AND p.protocol = @protocol");
            command.With("protocol", filter.Protocol);
        }

        if (filter.Country is not null)
        {
            where.Append(" AND p.country = @country");
            command.With("country", filter.Country);
        }

        if (filter.Anonymity is not null)
        {
            where.Append(" AND p.anonymity = @anonymity");
            command.With("anonymity", filter.Anonymity);
        }

        if (filter.MinScore is { } minScore)
        {
            where.Append(" AND p.score >= @min_score");
            command.With("min_score", minScore);
        }

        return where.ToString();
    }
}

/// <summary>The normalized filters of an acquisition.</summary>
internal sealed record LeaseFilter(string? Protocol, string? Country, string? Anonymity, double? MinScore);

/// <summary>A lease about to be inserted.</summary>
internal sealed record NewLease(
    Guid Id, Guid UserId, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt, int Cost, Guid? HoldId, string? IdempotencyKey, string Fingerprint);

/// <summary>A lease that lapsed.</summary>
internal sealed record ExpiredLease(Guid LeaseId, Guid UserId, string ProxyId, DateTimeOffset ExpiredAt);

/// <summary>A stored lease with its proxy (password still sealed).</summary>
internal sealed record StoredLease(
    Guid Id, Guid UserId, string Status, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt, string Fingerprint,
    string ProxyId, string Ip, int Port, string Protocol, string? Country, string? Anonymity, string? Username, string? ProtectedPassword);
