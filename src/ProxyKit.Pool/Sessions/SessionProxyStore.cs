using System.Data.Common;
using ProxyKit.Secrets;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Sessions;

/// <summary>
/// The proxies bound to sessions and their sessions. Passwords are stored only encrypted; session cookies only as a keyed
/// hash (which carries the uniqueness) and an encrypted copy (shown back). Duplicates are results, not exceptions, and a
/// refused write leaves nothing behind.
/// </summary>
internal sealed class SessionProxyStore(ProxyKitDatabase database, SecretProtector protector, TimeProvider timeProvider)
{
    internal const string PasswordPurpose = "pool.session-proxy-password";
    internal const string SessionPurpose = "pool.proxy-session";
    internal const string EndpointConstraint = "ux_pool_session_proxies_endpoint";
    internal const string SessionConstraint = "ux_pool_proxy_sessions_session";

    private const string ProxyColumns =
        "p.id, p.ip, p.port, p.username, p.password_protected, p.status, p.total_requests, p.failed_requests, p.error_count, " +
        "p.created_at, p.updated_at, p.last_used_at";

    /// <summary>Adds an active proxy with its first session, both or neither.</summary>
    /// <returns>The proxy, or <c>duplicate_proxy</c> (same ip and port) or <c>duplicate_session</c> (cookie already bound).</returns>
    public async Task<PoolResult<SessionProxy>> CreateAsync(
        string ip, int port, string? username, string? password, string session, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ip);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentException.ThrowIfNullOrEmpty(session);

        var now = timeProvider.GetUtcNow();
        var passwordProtected = password is null ? null : protector.Protect(PasswordPurpose, password);
        var sessionHash = protector.Hash(SessionPurpose, session);
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
                        "INSERT INTO pool_session_proxies (ip, port, username, password_protected, status, created_at, updated_at) " +
                        "VALUES (@ip, @port, @username, @password, @status, @now, @now) RETURNING id", transaction)
                        .With("ip", ip).With("port", port).With("username", username).With("password", passwordProtected)
                        .With("status", SessionProxyStatus.Active).With("now", now))
                    {
                        proxyId = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                    }

                    var sessionId = await InsertSessionAsync(connection, transaction, proxyId, sessionHash, sessionProtected, now, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return PoolResult.Success(new SessionProxy(
                        proxyId, ip, port, username, password, SessionProxyStatus.Active, 0, 0, 0, now, now, null,
                        [new ProxySession(sessionId!.Value, proxyId, session, SessionProxyStatus.Active, now)]));
                }
            }
            catch (DbException ex) when (Duplicate(ex) is { } error)
            {
                return PoolResult.Failure<SessionProxy>(error);
            }
        }
    }

    /// <summary>Binds one more session to a proxy.</summary>
    /// <returns>The session, or <c>not_found</c> (no such proxy) or <c>duplicate_session</c> (cookie already bound).</returns>
    public async Task<PoolResult<ProxySession>> AddSessionAsync(long proxyId, string session, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(session);

        var now = timeProvider.GetUtcNow();
        var sessionHash = protector.Hash(SessionPurpose, session);
        var sessionProtected = protector.Protect(SessionPurpose, session);

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var sessionId = await InsertSessionAsync(connection, null, proxyId, sessionHash, sessionProtected, now, cancellationToken).ConfigureAwait(false);
                return sessionId is { } id
                    ? PoolResult.Success(new ProxySession(id, proxyId, session, SessionProxyStatus.Active, now))
                    : NotFound<ProxySession>(proxyId);
            }
            catch (DbException ex) when (Duplicate(ex) is { } error)
            {
                return PoolResult.Failure<ProxySession>(error);
            }
        }
    }

    /// <summary>Reads every proxy with its sessions, in the order they were added.</summary>
    public async Task<IReadOnlyList<SessionProxy>> ListAsync(CancellationToken cancellationToken) =>
        await ReadAsync(null, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads one proxy with its sessions, or <see langword="null"/> when it does not exist.</summary>
    public async Task<SessionProxy?> GetAsync(long id, CancellationToken cancellationToken) =>
        (await ReadAsync(id, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Deletes a proxy and its sessions, both or neither. Returns false when the proxy does not exist.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var sessions = connection.CreateCommand("DELETE FROM pool_proxy_sessions WHERE proxy_id = @id", transaction).With("id", id))
                {
                    await sessions.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var proxy = connection.CreateCommand("DELETE FROM pool_session_proxies WHERE id = @id", transaction).With("id", id);
                var deleted = await proxy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return deleted;
            }
        }
    }

    /// <summary>Sets a proxy <c>active</c> or <c>disabled</c>. Returns false when the proxy does not exist.</summary>
    public async Task<bool> SetStatusAsync(long id, string status, CancellationToken cancellationToken)
    {
        if (!SessionProxyStatus.IsValid(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "The status must be 'active' or 'disabled'.");
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand(
                "UPDATE pool_session_proxies SET status = @status, updated_at = @now WHERE id = @id", null)
                .With("status", status).With("now", timeProvider.GetUtcNow()).With("id", id);
            return await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
    }

    /// <summary>Inserts a session unless the proxy is missing (then returns <see langword="null"/>).</summary>
    private static async Task<long?> InsertSessionAsync(
        DbConnection connection, DbTransaction? transaction, long proxyId, string sessionHash, string sessionProtected, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        using var insert = connection.CreateCommand(
            "INSERT INTO pool_proxy_sessions (proxy_id, session_hash, session_protected, status, created_at) " +
            "SELECT id, @hash, @protected, @status, @now FROM pool_session_proxies WHERE id = @proxy RETURNING id", transaction)
            .With("hash", sessionHash).With("protected", sessionProtected).With("status", SessionProxyStatus.Active).With("now", now).With("proxy", proxyId);
        var id = await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return id is null or DBNull ? null : Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static PoolResult<T> NotFound<T>(long proxyId) =>
        PoolResult.Failure<T>(SessionProxyErrorCodes.NotFound, "The proxy does not exist.", new Dictionary<string, object?> { ["proxy_id"] = proxyId });

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
                        proxies.Add(new SessionProxy(
                            proxyId, reader.GetString(1), reader.GetInt32(2),
                            reader.IsDBNull(3) ? null : reader.GetString(3),
                            reader.IsDBNull(4) ? null : protector.Unprotect(PasswordPurpose, reader.GetString(4)),
                            reader.GetString(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt32(8),
                            reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10),
                            reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                            sessions));
                    }

                    if (!reader.IsDBNull(12))
                    {
                        sessions!.Add(new ProxySession(
                            reader.GetInt64(12), proxyId, protector.Unprotect(SessionPurpose, reader.GetString(13)), reader.GetString(14),
                            reader.GetFieldValue<DateTimeOffset>(15)));
                    }
                }
            }
        }

        return proxies;
    }
}
