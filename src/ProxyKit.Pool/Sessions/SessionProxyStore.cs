using System.Data.Common;
using System.Globalization;
using ProxyKit.Secrets;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Sessions;

/// <summary>
/// The proxies bound to sessions, their sessions and outcome history. Passwords are stored only encrypted; session cookies
/// only as a keyed hash (which carries the uniqueness) and an encrypted copy (shown back). Duplicates and caps are enforced
/// by constraints and conditional statements, returned as results, and a refused write leaves nothing behind.
/// </summary>
internal sealed class SessionProxyStore(ProxyKitDatabase database, SecretProtector protector, TimeProvider timeProvider)
{
    internal const string PasswordPurpose = "pool.session-proxy-password";
    internal const string SessionPurpose = "pool.proxy-session";
    internal const string EndpointConstraint = "ux_pool_session_proxies_endpoint";
    internal const string SessionConstraint = "ux_pool_proxy_sessions_session";

    private const string ProxyColumns =
        "p.id, p.ip, p.port, p.username, p.password_protected, p.status, p.total_requests, p.failed_requests, p.blocked_requests, " +
        "p.requests_this_hour, p.hour_started_at, p.error_count, p.cooldown_until, p.cooldown_level, p.created_at, p.updated_at, " +
        "p.last_used_at, p.session_count";

    /// <summary>Hashes a session cookie the way the store keys it.</summary>
    public string HashSession(string session) => protector.Hash(SessionPurpose, session);

    /// <summary>Adds an active proxy with its first session, both or neither.</summary>
    /// <returns>The proxy, or <c>duplicate_proxy</c> (same ip and port) or <c>duplicate_session</c> (cookie already bound).</returns>
    public async Task<ProxyKitResult<SessionProxy>> CreateAsync(
        string ip, int port, string? username, string? password, string session, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ip);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentException.ThrowIfNullOrEmpty(session);

        var now = timeProvider.GetUtcNow();
        var passwordProtected = password is null ? null : protector.Protect(PasswordPurpose, password);
        var sessionHash = HashSession(session);
        var sessionProtected = protector.Protect(SessionPurpose, session);

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    long proxyId;
                    using (var insert = connection.CreateCommand(
                        "INSERT INTO pool_session_proxies (ip, port, username, password_protected, status, session_count, created_at, updated_at) " +
                        "VALUES (@ip, @port, @username, @password, @status, 1, @now, @now) RETURNING id", transaction)
                        .With("ip", ip).With("port", port).With("username", username).With("password", passwordProtected)
                        .With("status", SessionProxyStatus.Active).With("now", now))
                    {
                        proxyId = ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
                    }

                    var sessionId = await InsertSessionAsync(connection, transaction, proxyId, sessionHash, sessionProtected, now, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return ProxyKitResult.Success(new SessionProxy(
                        proxyId, ip, port, username, password, SessionProxyStatus.Active, 0, 0, 0, 0, 0, null, 0, now, now, null,
                        [new ProxySession(sessionId, proxyId, session, SessionProxyStatus.Active, now)]));
                }
            }
            catch (DbException ex) when (Duplicate(ex) is { } error)
            {
                return ProxyKitResult.Failure<SessionProxy>(error);
            }
        }
    }

    /// <summary>Binds one more session to a proxy unless it already carries <paramref name="maxSessions"/>.</summary>
    /// <returns>The session, or <c>not_found</c>, <c>session_limit</c> or <c>duplicate_session</c>.</returns>
    public async Task<ProxyKitResult<ProxySession>> AddSessionAsync(long proxyId, string session, int maxSessions, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(session);

        var now = timeProvider.GetUtcNow();
        var sessionHash = HashSession(session);
        var sessionProtected = protector.Protect(SessionPurpose, session);

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    // The count and the cap in one conditional statement: concurrent binds cannot overshoot it.
                    using (var reserve = connection.CreateCommand(
                        "UPDATE pool_session_proxies SET session_count = session_count + 1, updated_at = @now " +
                        "WHERE id = @id AND session_count < @max", transaction)
                        .With("now", now).With("id", proxyId).With("max", maxSessions))
                    {
                        if (await reserve.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                        {
                            return await ExistsAsync(connection, transaction, proxyId, cancellationToken).ConfigureAwait(false)
                                ? ProxyKitResult.Failure<ProxySession>(
                                    SessionProxyErrorCodes.SessionLimit, "The proxy already carries as many sessions as allowed.",
                                    new Dictionary<string, object?> { ["proxy_id"] = proxyId, ["max_sessions"] = maxSessions })
                                : NotFound<ProxySession>(proxyId);
                        }
                    }

                    var sessionId = await InsertSessionAsync(connection, transaction, proxyId, sessionHash, sessionProtected, now, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return ProxyKitResult.Success(new ProxySession(sessionId, proxyId, session, SessionProxyStatus.Active, now));
                }
            }
            catch (DbException ex) when (Duplicate(ex) is { } error)
            {
                return ProxyKitResult.Failure<ProxySession>(error);
            }
        }
    }

    /// <summary>Unbinds a session from its proxy (freeing a place under the cap). Returns false when the proxy has no such session.</summary>
    public async Task<bool> DeleteSessionAsync(long proxyId, long sessionId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var delete = connection.CreateCommand("DELETE FROM pool_proxy_sessions WHERE id = @id AND proxy_id = @proxy", transaction)
                    .With("id", sessionId).With("proxy", proxyId))
                {
                    if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                using (var release = connection.CreateCommand(
                    "UPDATE pool_session_proxies SET session_count = session_count - 1, updated_at = @now WHERE id = @proxy", transaction)
                    .With("now", timeProvider.GetUtcNow()).With("proxy", proxyId))
                {
                    await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Sets a session <c>active</c> or <c>disabled</c>. Returns false when the proxy has no such session.</summary>
    public async Task<bool> SetSessionStatusAsync(long proxyId, long sessionId, string status, CancellationToken cancellationToken)
    {
        if (!SessionProxyStatus.IsValid(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "The status must be 'active' or 'disabled'.");
        }

        return await database.ExecuteAsync(
            "UPDATE pool_proxy_sessions SET status = @status WHERE id = @id AND proxy_id = @proxy",
            cancellationToken, ("status", status), ("id", sessionId), ("proxy", proxyId)).ConfigureAwait(false) > 0;
    }

    /// <summary>Reads every proxy with its sessions, in the order they were added.</summary>
    public async Task<IReadOnlyList<SessionProxy>> ListAsync(CancellationToken cancellationToken) =>
        await ReadAsync(null, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads one proxy with its sessions, or <see langword="null"/> when it does not exist.</summary>
    public async Task<SessionProxy?> GetAsync(long id, CancellationToken cancellationToken) =>
        (await ReadAsync(id, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Deletes a proxy, its sessions and its history, all or nothing. Returns false when the proxy does not exist.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                foreach (var sql in new[] { "DELETE FROM pool_proxy_sessions WHERE proxy_id = @id", "DELETE FROM pool_session_proxy_health WHERE proxy_id = @id" })
                {
                    using var dependents = connection.CreateCommand(sql, transaction).With("id", id);
                    await dependents.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var proxy = connection.CreateCommand("DELETE FROM pool_session_proxies WHERE id = @id", transaction).With("id", id);
                var deleted = await proxy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return deleted;
            }
        }
    }

    /// <summary>
    /// Sets a proxy <c>active</c> or <c>disabled</c>. Setting it active also ends any cooldown and clears its error streak
    /// (an operator vouching for it). Returns false when the proxy does not exist.
    /// </summary>
    public async Task<bool> SetStatusAsync(long id, string status, CancellationToken cancellationToken)
    {
        if (!SessionProxyStatus.IsValid(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "The status must be 'active' or 'disabled'.");
        }

        var sql = status == SessionProxyStatus.Active
            ? "UPDATE pool_session_proxies SET status = @status, error_count = 0, cooldown_until = NULL, cooldown_level = 0, updated_at = @now WHERE id = @id"
            : "UPDATE pool_session_proxies SET status = @status, updated_at = @now WHERE id = @id";
        return await database.ExecuteAsync(sql, cancellationToken, ("status", status), ("now", timeProvider.GetUtcNow()), ("id", id)).ConfigureAwait(false) > 0;
    }

    /// <summary>Counts one more consecutive failure atomically.</summary>
    /// <returns>The proxy's error state after it, or <see langword="null"/> when the proxy does not exist.</returns>
    public async Task<SessionProxyErrorState?> RecordFailureAsync(long id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand(
                "UPDATE pool_session_proxies SET error_count = error_count + 1, updated_at = @now WHERE id = @id " +
                "RETURNING status, error_count, cooldown_until, cooldown_level", null)
                .With("now", timeProvider.GetUtcNow()).With("id", id);
            var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new SessionProxyErrorState(
                        reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3))
                    : null;
            }
        }
    }

    /// <summary>
    /// Starts a cooldown until <paramref name="until"/> if the proxy is still at <paramref name="seenLevel"/> and not cooling
    /// down: of many hosts that see the threshold crossed at once, exactly one starts it.
    /// </summary>
    public async Task<bool> TryStartCooldownAsync(long id, int seenLevel, DateTimeOffset until, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE pool_session_proxies SET cooldown_level = cooldown_level + 1, cooldown_until = @until, updated_at = @now " +
            "WHERE id = @id AND cooldown_level = @level AND (cooldown_until IS NULL OR cooldown_until <= @now)",
            cancellationToken, ("until", until), ("now", timeProvider.GetUtcNow()), ("id", id), ("level", seenLevel)).ConfigureAwait(false) > 0;

    /// <summary>Ends an error streak after a success: no consecutive errors, and the next cooldown starts from the base again.</summary>
    public async Task ClearErrorsAsync(long id, CancellationToken cancellationToken) =>
        await database.ExecuteAsync(
            "UPDATE pool_session_proxies SET error_count = 0, cooldown_level = 0, updated_at = @now " +
            "WHERE id = @id AND (error_count > 0 OR cooldown_level > 0)",
            cancellationToken, ("now", timeProvider.GetUtcNow()), ("id", id)).ConfigureAwait(false);

    /// <summary>
    /// Writes counter changes of many proxies in one transaction: additive, so hosts flushing at once add up. Deltas of
    /// proxies deleted meanwhile update nothing. History older than <paramref name="pruneBefore"/> is removed.
    /// </summary>
    public async Task FlushAsync(IReadOnlyCollection<SessionProxyDelta> deltas, DateTimeOffset pruneBefore, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var counters = connection.CreateCommand(
                    "UPDATE pool_session_proxies SET total_requests = total_requests + @total, failed_requests = failed_requests + @failed, " +
                    "blocked_requests = blocked_requests + @blocked, " +
                    // A later hour already written by another host wins; an earlier one is replaced.
                    "requests_this_hour = CASE WHEN hour_started_at > @hour THEN requests_this_hour " +
                    "WHEN hour_started_at = @hour THEN requests_this_hour + @hourly ELSE @hourly END, " +
                    "hour_started_at = CASE WHEN hour_started_at > @hour THEN hour_started_at ELSE @hour END, " +
                    "last_used_at = CASE WHEN last_used_at >= @used THEN last_used_at ELSE @used END, " +
                    "updated_at = @now WHERE id = @id", transaction);
                using var health = connection.CreateCommand(
                    "INSERT INTO pool_session_proxy_health (proxy_id, bucket_start, successes, failures, blocked, latency_ms_sum, latency_samples) " +
                    "VALUES (@id, @bucket, @successes, @failures, @blocked, @latency, @samples) " +
                    "ON CONFLICT (proxy_id, bucket_start) DO UPDATE SET successes = pool_session_proxy_health.successes + excluded.successes, " +
                    "failures = pool_session_proxy_health.failures + excluded.failures, blocked = pool_session_proxy_health.blocked + excluded.blocked, " +
                    "latency_ms_sum = pool_session_proxy_health.latency_ms_sum + excluded.latency_ms_sum, " +
                    "latency_samples = pool_session_proxy_health.latency_samples + excluded.latency_samples", transaction);

                // Ordered by id, so two hosts flushing at once lock rows in the same order (no deadlock).
                foreach (var delta in deltas.OrderBy(static d => d.ProxyId))
                {
                    counters.Parameters.Clear();
                    counters.With("total", delta.Total).With("failed", delta.Failed).With("blocked", delta.Blocked)
                        .With("hour", delta.Hour).With("hourly", delta.HourRequests).With("used", delta.LastUsedAt).With("now", now).With("id", delta.ProxyId);
                    await counters.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var (bucket, outcomes) in delta.Buckets.OrderBy(static b => b.Key))
                    {
                        health.Parameters.Clear();
                        health.With("id", delta.ProxyId).With("bucket", bucket).With("successes", outcomes.Successes).With("failures", outcomes.Failures)
                            .With("blocked", outcomes.Blocked).With("latency", outcomes.LatencyMsSum).With("samples", outcomes.LatencySamples);
                        await health.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                using (var prune = connection.CreateCommand("DELETE FROM pool_session_proxy_health WHERE bucket_start < @before", transaction).With("before", pruneBefore))
                {
                    await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Reads what rotation needs of every proxy: state, credentials, session keys and outcomes since <paramref name="windowStart"/>.</summary>
    public async Task<SessionProxyCatalog.Snapshot> ReadCatalogAsync(DateTimeOffset windowStart, long version, long sequence, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<long, SessionProxyCatalog.Entry>();
        var sessions = new Dictionary<string, SessionProxyCatalog.BoundSession>(StringComparer.Ordinal);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using (var select = connection.CreateCommand(
                "SELECT id, ip, port, username, password_protected, status, error_count, cooldown_until, cooldown_level, session_count " +
                "FROM pool_session_proxies ORDER BY id", null))
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var id = reader.GetInt64(0);
                        entries[id] = new SessionProxyCatalog.Entry(
                            id, reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                            reader.IsDBNull(4) ? null : protector.Unprotect(PasswordPurpose, reader.GetString(4)), reader.GetString(5))
                        {
                            Errors = new SessionProxyCatalog.ErrorHint(
                                reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8)),
                            SessionCount = reader.GetInt32(9),
                        };
                    }
                }
            }

            using (var select = connection.CreateCommand("SELECT id, proxy_id, session_hash, status, created_at FROM pool_proxy_sessions", null))
            {
                var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        sessions[reader.GetString(2)] = new SessionProxyCatalog.BoundSession(
                            reader.GetInt64(0), reader.GetInt64(1), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4));
                    }
                }
            }

            foreach (var (id, health) in await ReadHealthAsync(connection, windowStart, cancellationToken).ConfigureAwait(false))
            {
                if (entries.TryGetValue(id, out var entry))
                {
                    entry.Health = health;
                }
            }
        }

        return new SessionProxyCatalog.Snapshot(version, sequence, timeProvider.GetUtcNow(), entries, sessions);
    }

    /// <summary>Sums every proxy's outcomes since <paramref name="windowStart"/>.</summary>
    public async Task<IReadOnlyDictionary<long, SessionProxyHealth>> ReadHealthAsync(DateTimeOffset windowStart, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadHealthAsync(connection, windowStart, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Dictionary<long, SessionProxyHealth>> ReadHealthAsync(DbConnection connection, DateTimeOffset windowStart, CancellationToken cancellationToken)
    {
        var health = new Dictionary<long, SessionProxyHealth>();
        using var select = connection.CreateCommand(
            "SELECT proxy_id, SUM(successes), SUM(failures), SUM(blocked), SUM(latency_ms_sum), SUM(latency_samples) " +
            "FROM pool_session_proxy_health WHERE bucket_start >= @since GROUP BY proxy_id", null).With("since", windowStart);
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                health[reader.GetInt64(0)] = new SessionProxyHealth(
                    ToInt64(reader.GetValue(1)), ToInt64(reader.GetValue(2)), ToInt64(reader.GetValue(3)), ToInt64(reader.GetValue(4)), ToInt64(reader.GetValue(5)));
            }
        }

        return health;
    }

    /// <summary>Inserts a session of an existing proxy.</summary>
    private static async Task<long> InsertSessionAsync(
        DbConnection connection, DbTransaction transaction, long proxyId, string sessionHash, string sessionProtected, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        using var insert = connection.CreateCommand(
            "INSERT INTO pool_proxy_sessions (proxy_id, session_hash, session_protected, status, created_at) " +
            "VALUES (@proxy, @hash, @protected, @status, @now) RETURNING id", transaction)
            .With("hash", sessionHash).With("protected", sessionProtected).With("status", SessionProxyStatus.Active).With("now", now).With("proxy", proxyId);
        return ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction transaction, long proxyId, CancellationToken cancellationToken)
    {
        using var select = connection.CreateCommand("SELECT 1 FROM pool_session_proxies WHERE id = @id", transaction).With("id", proxyId);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not (null or DBNull);
    }

    private static long ToInt64(object? value) => value is null or DBNull ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static ProxyKitResult<T> NotFound<T>(long proxyId) =>
        ProxyKitResult.Failure<T>(SessionProxyErrorCodes.NotFound, "The proxy does not exist.", new Dictionary<string, object?> { ["proxy_id"] = proxyId });

    /// <summary>Maps a unique violation to its business error; never echoes the values (the session is a secret).</summary>
    private ProxyKitError? Duplicate(DbException exception)
    {
        if (!database.Dialect.TryGetUniqueViolation(exception, out var violation))
        {
            return null;
        }

        if (violation.Matches(EndpointConstraint, "ip", "port"))
        {
            return new ProxyKitError(SessionProxyErrorCodes.DuplicateProxy, "A proxy with the same ip and port exists.", null);
        }

        return violation.Matches(SessionConstraint, "session_hash")
            ? new ProxyKitError(SessionProxyErrorCodes.DuplicateSession, "The session is already bound to a proxy.", null)
            : null;
    }

    private async Task<List<SessionProxy>> ReadAsync(long? id, CancellationToken cancellationToken)
    {
        var proxies = new List<SessionProxy>();
        var hour = SessionProxyClock.HourOf(timeProvider.GetUtcNow());
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One statement, so a proxy and its sessions are read as of the same instant.
            using var select = connection.CreateCommand(
                $"SELECT {ProxyColumns}, s.id, s.session_protected, s.status, s.created_at FROM pool_session_proxies p " +
                "LEFT JOIN pool_proxy_sessions s ON s.proxy_id = p.id " +
                (id is null ? string.Empty : "WHERE p.id = @id ") +
                "ORDER BY p.id, s.id", null);
            if (id is { } only)
            {
                select.With("id", only);
            }

            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                List<ProxySession>? sessions = null;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var proxyId = reader.GetInt64(0);
                    if (proxies.Count == 0 || proxies[^1].Id != proxyId)
                    {
                        sessions = [];
                        DateTimeOffset? hourStarted = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10);
                        proxies.Add(new SessionProxy(
                            proxyId, reader.GetString(1), reader.GetInt32(2),
                            reader.IsDBNull(3) ? null : reader.GetString(3),
                            reader.IsDBNull(4) ? null : protector.Unprotect(PasswordPurpose, reader.GetString(4)),
                            reader.GetString(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8),
                            hourStarted == hour ? reader.GetInt64(9) : 0,
                            reader.GetInt32(11),
                            reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                            reader.GetInt32(13),
                            reader.GetFieldValue<DateTimeOffset>(14), reader.GetFieldValue<DateTimeOffset>(15),
                            reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16),
                            sessions));
                    }

                    if (!reader.IsDBNull(18))
                    {
                        sessions!.Add(new ProxySession(
                            reader.GetInt64(18), proxyId, protector.Unprotect(SessionPurpose, reader.GetString(19)), reader.GetString(20),
                            reader.GetFieldValue<DateTimeOffset>(21)));
                    }
                }
            }
        }

        return proxies;
    }
}

/// <summary>A proxy's error streak and cooldown, as one failure left them.</summary>
internal sealed record SessionProxyErrorState(string Status, int ErrorCount, DateTimeOffset? CooldownUntil, int CooldownLevel);

/// <summary>The calendar windows counters use.</summary>
internal static class SessionProxyClock
{
    public static DateTimeOffset HourOf(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);

    public static DateTimeOffset MinuteOf(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
