using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Coordination;
using ProxyKit.Pool.Notifications;

namespace ProxyKit.Pool.Sessions;

/// <summary>
/// Proxies bound to sessions (seed 002): CRUD, and the rotation that hands a proxy out per request (<see cref="NextAsync"/>)
/// and learns from the outcome (<see cref="ReportAsync"/>).
/// </summary>
/// <remarks>
/// <para>A session keeps its proxy; rotation chooses proxies for new sessions and for session-less work, weighted by the
/// success rate and latency over the health window, skipping proxies that are disabled, cooling down, at their in-flight
/// cap or over their hourly limit. The caps are taken from <see cref="IKeyedConcurrencyLimiter"/> and
/// <see cref="IKeyedRateLimiter"/>, so with Redis they hold across every host.</para>
/// <para>The hot path touches no database: picking reads this host's cached view, counters are written in batches. Only a
/// failure writes at once (the consecutive-error count and, at the threshold, the cooldown — conditional statements, so
/// exactly one of many concurrent reporters starts it).</para>
/// </remarks>
public sealed partial class SessionProxyService
{
    internal const string ChangedTopic = "pool.session_proxies.changed";
    internal const string CooldownEvent = "session_proxy.cooldown";
    private const int MaxSessionLength = 8192;
    private const int MaxCredentialLength = 255;

    private readonly SessionProxyStore _store;
    private readonly SessionProxyCatalog _catalog;
    private readonly SessionProxyCounters _counters;
    private readonly IKeyedConcurrencyLimiter _inFlight;
    private readonly IKeyedRateLimiter _hourly;
    private readonly IEventBus _bus;
    private readonly IPoolEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly IOptions<PoolOptions> _options;
    private readonly ILogger _logger;

    internal SessionProxyService(
        SessionProxyStore store,
        SessionProxyCatalog catalog,
        SessionProxyCounters counters,
        IKeyedConcurrencyLimiter inFlight,
        IKeyedRateLimiter hourly,
        IEventBus bus,
        IPoolEvents events,
        TimeProvider timeProvider,
        IOptions<PoolOptions> options,
        ILogger<SessionProxyService> logger)
    {
        _store = store;
        _catalog = catalog;
        _counters = counters;
        _inFlight = inFlight;
        _hourly = hourly;
        _bus = bus;
        _events = events;
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;
    }

    private SessionRotationOptions Rules => _options.Value.Sessions;

    /// <summary>Lists every proxy with its sessions, oldest first.</summary>
    public Task<IReadOnlyList<SessionProxy>> ListAsync(CancellationToken cancellationToken = default) => _store.ListAsync(cancellationToken);

    /// <summary>Reads one proxy with its sessions, or <see langword="null"/>.</summary>
    public Task<SessionProxy?> GetAsync(long id, CancellationToken cancellationToken = default) => _store.GetAsync(id, cancellationToken);

    /// <summary>Adds an active proxy with its first session.</summary>
    /// <returns>The proxy, or <c>validation_error</c>, <c>duplicate_proxy</c> or <c>duplicate_session</c>.</returns>
    public async Task<ProxyKitResult<SessionProxy>> CreateAsync(SessionProxyCreate request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new Dictionary<string, object?>(StringComparer.Ordinal);
        var ip = NormalizeIp(request.Ip, problems);
        if (request.Port is null)
        {
            problems["port"] = "is required";
        }
        else if (request.Port is < 1 or > 65535)
        {
            problems["port"] = "must be between 1 and 65535";
        }

        CheckCredential(request.Username, "username", problems);
        CheckCredential(request.Password, "password", problems);
        if (request.Password is not null && string.IsNullOrEmpty(request.Username))
        {
            problems["username"] = "is required with a password";
        }

        CheckSession(request.Session, problems);
        if (problems.Count > 0)
        {
            return Invalid<SessionProxy>(problems);
        }

        var created = await _store.CreateAsync(
            ip!, request.Port!.Value, NullIfEmpty(request.Username), NullIfEmpty(request.Password), request.Session!, cancellationToken).ConfigureAwait(false);
        if (created.Succeeded)
        {
            await ChangedAsync(created.Value!.Id).ConfigureAwait(false);
        }

        return created;
    }

    /// <summary>Deletes a proxy with its sessions and history. Returns false when it does not exist.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        var deleted = await _store.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            await ChangedAsync(id).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <summary>
    /// Sets a proxy <c>active</c> or <c>disabled</c>; setting it active also ends a cooldown and clears its error streak.
    /// </summary>
    /// <returns>The proxy, or <c>validation_error</c> or <c>not_found</c>.</returns>
    public async Task<ProxyKitResult<SessionProxy>> SetStatusAsync(long id, string? status, CancellationToken cancellationToken = default)
    {
        if (!SessionProxyStatus.IsValid(status))
        {
            return Invalid<SessionProxy>(new Dictionary<string, object?> { ["status"] = "must be 'active' or 'disabled'" });
        }

        if (!await _store.SetStatusAsync(id, status!, cancellationToken).ConfigureAwait(false))
        {
            return NotFound<SessionProxy>(id);
        }

        await ChangedAsync(id).ConfigureAwait(false);
        var proxy = await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return proxy is null ? NotFound<SessionProxy>(id) : ProxyKitResult.Success(proxy);
    }

    /// <summary>Binds one more session to a proxy, up to <see cref="SessionRotationOptions.MaxSessionsPerProxy"/>.</summary>
    /// <returns>The session, or <c>validation_error</c>, <c>not_found</c>, <c>session_limit</c> or <c>duplicate_session</c>.</returns>
    public async Task<ProxyKitResult<ProxySession>> AddSessionAsync(long id, string? session, CancellationToken cancellationToken = default)
    {
        var problems = new Dictionary<string, object?>(StringComparer.Ordinal);
        CheckSession(session, problems);
        if (problems.Count > 0)
        {
            return Invalid<ProxySession>(problems);
        }

        var added = await _store.AddSessionAsync(id, session!, Rules.MaxSessionsPerProxy, cancellationToken).ConfigureAwait(false);
        if (added.Succeeded)
        {
            await ChangedAsync(id).ConfigureAwait(false);
        }

        return added;
    }

    /// <summary>Unbinds a session from its proxy. Returns false when the proxy has no such session.</summary>
    public async Task<bool> DeleteSessionAsync(long proxyId, long sessionId, CancellationToken cancellationToken = default)
    {
        var deleted = await _store.DeleteSessionAsync(proxyId, sessionId, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            await ChangedAsync(proxyId).ConfigureAwait(false);
        }

        return deleted;
    }

    /// <summary>
    /// Sets a session <c>active</c> or <c>disabled</c>; <c>next</c> refuses a disabled session (<c>session_disabled</c>) rather
    /// than moving it to another proxy.
    /// </summary>
    /// <returns>The session, or <c>validation_error</c> or <c>not_found</c>.</returns>
    public async Task<ProxyKitResult<ProxySession>> SetSessionStatusAsync(long proxyId, long sessionId, string? status, CancellationToken cancellationToken = default)
    {
        if (!SessionProxyStatus.IsValid(status))
        {
            return Invalid<ProxySession>(new Dictionary<string, object?> { ["status"] = "must be 'active' or 'disabled'" });
        }

        if (!await _store.SetSessionStatusAsync(proxyId, sessionId, status!, cancellationToken).ConfigureAwait(false))
        {
            return SessionNotFound(proxyId, sessionId);
        }

        await ChangedAsync(proxyId).ConfigureAwait(false);
        var session = (await _store.GetAsync(proxyId, cancellationToken).ConfigureAwait(false))?.Sessions.FirstOrDefault(s => s.Id == sessionId);
        return session is null ? SessionNotFound(proxyId, sessionId) : ProxyKitResult.Success(session);
    }

    /// <summary>
    /// Hands out the proxy to use for one request. With a <paramref name="session"/> already bound, its own proxy (a session
    /// keeps its IP); with a new one, a proxy chosen by rotation among those under the sessions cap, to which the session is
    /// bound; without one, any proxy chosen by rotation.
    /// </summary>
    /// <returns>The ticket, or <c>no_proxy_available</c> (details say why, and <c>retry_after_seconds</c>), <c>session_disabled</c> or <c>validation_error</c>.</returns>
    public async Task<ProxyKitResult<SessionProxyTicket>> NextAsync(string? session = null, CancellationToken cancellationToken = default)
    {
        if (session is not null)
        {
            var problems = new Dictionary<string, object?>(StringComparer.Ordinal);
            CheckSession(session, problems);
            if (problems.Count > 0)
            {
                return Invalid<SessionProxyTicket>(problems);
            }
        }

        var snapshot = await _catalog.GetAsync(cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            return await RotateAsync(snapshot, null, cancellationToken).ConfigureAwait(false);
        }

        var hash = _store.HashSession(session);
        if (!snapshot.Sessions.ContainsKey(hash))
        {
            // Bound moments ago by another host? The database is the judge before binding it a second time.
            snapshot = await _catalog.LoadAsync(cancellationToken).ConfigureAwait(false);
        }

        return snapshot.Sessions.TryGetValue(hash, out var bound)
            ? await StickyAsync(snapshot, bound, session, cancellationToken).ConfigureAwait(false)
            : await RotateAsync(snapshot, session, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records the outcome of a request made through proxy <paramref name="id"/>, frees the ticket's in-flight slot, and puts
    /// the proxy into a cooldown when its consecutive failures reach the threshold or its failure rate over the window does.
    /// </summary>
    /// <returns>What the report did, or <c>validation_error</c> or <c>not_found</c>.</returns>
    public async Task<ProxyKitResult<SessionProxyReportResult>> ReportAsync(long id, SessionProxyReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        var problems = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (report.Success is null)
        {
            problems["success"] = "is required";
        }

        if (report.LatencyMs is { } latency && (!double.IsFinite(latency) || latency < 0 || latency > TimeSpan.FromDays(1).TotalMilliseconds))
        {
            problems["latency_ms"] = "must be between 0 and 86400000";
        }

        if (report.StatusCode is < 100 or > 599)
        {
            problems["status_code"] = "must be an HTTP status code (100-599)";
        }

        if (report.Ticket is { } t && (t.Length is 0 or > 64 || !t.All(char.IsAsciiLetterOrDigit)))
        {
            problems["ticket"] = "is not a ticket handed out by next";
        }

        if (problems.Count > 0)
        {
            return Invalid<SessionProxyReportResult>(problems);
        }

        var snapshot = await _catalog.GetAsync(cancellationToken).ConfigureAwait(false);
        if (!snapshot.Proxies.TryGetValue(id, out var entry))
        {
            snapshot = await _catalog.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (!snapshot.Proxies.TryGetValue(id, out entry))
            {
                return NotFound<SessionProxyReportResult>(id);
            }
        }

        var now = _timeProvider.GetUtcNow();
        var blocked = report.StatusCode is { } code && Rules.BlockedStatusCodes.Contains(code);
        var failed = report.Success == false || blocked;
        var released = report.Ticket is { } ticket && await _inFlight.ReleaseAsync(InFlightKey(id), ticket, cancellationToken).ConfigureAwait(false);
        _counters.RecordOutcome(id, failed, blocked, report.LatencyMs, countsTowardsHour: report.Ticket is null, now);

        if (!failed)
        {
            var hint = entry.Errors;
            if (hint.ErrorCount > 0 || hint.CooldownLevel > 0)
            {
                await _store.ClearErrorsAsync(id, cancellationToken).ConfigureAwait(false);
                _catalog.SetErrors(entry, 0, hint.CooldownUntil, 0);
            }

            return ProxyKitResult.Success(new SessionProxyReportResult(id, false, false, 0, entry.Errors.CooldownUntil, false, released));
        }

        var state = await _store.RecordFailureAsync(id, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return NotFound<SessionProxyReportResult>(id);
        }

        var cooldownUntil = state.CooldownUntil;
        var started = false;
        var coolingDown = state.CooldownUntil > now;
        if (!coolingDown && (state.ErrorCount >= Rules.ErrorThreshold || state.CooldownLevel > 0 || FailureRateExceeded(entry, now)))
        {
            // At the threshold, on probation (back from a cooldown and failing again), or failing too often over the window.
            var until = now + SessionProxyRotation.CooldownFor(state.CooldownLevel, Rules);
            started = await _store.TryStartCooldownAsync(id, state.CooldownLevel, until, cancellationToken).ConfigureAwait(false);
            if (started)
            {
                cooldownUntil = until;
                _catalog.SetErrors(entry, state.ErrorCount, until, state.CooldownLevel + 1);
                LogCooldown(_logger, id, state.ErrorCount, until, state.CooldownLevel + 1);
                await ChangedAsync(id).ConfigureAwait(false);
                await PublishCooldownAsync(entry, state.ErrorCount, until, state.CooldownLevel + 1).ConfigureAwait(false);
            }
        }

        if (!started)
        {
            _catalog.SetErrors(entry, state.ErrorCount, state.CooldownUntil, state.CooldownLevel);
        }

        return ProxyKitResult.Success(new SessionProxyReportResult(id, true, blocked, state.ErrorCount, cooldownUntil, started, released));
    }

    /// <summary>Aggregates counters, window outcomes, in-flight requests and each proxy's state and weight.</summary>
    public async Task<SessionProxyMetrics> GetMetricsAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var proxies = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
        var health = await _store.ReadHealthAsync(now - Rules.HealthWindow, cancellationToken).ConfigureAwait(false);
        var inFlight = await _inFlight.CountAsync([.. proxies.Select(static p => InFlightKey(p.Id))], cancellationToken).ConfigureAwait(false);

        var entries = new List<SessionProxyMetricsEntry>(proxies.Count);
        var total = default(SessionProxyHealth);
        for (var i = 0; i < proxies.Count; i++)
        {
            var p = proxies[i];
            var window = health.GetValueOrDefault(p.Id) + _counters.PendingHealth(p.Id, now - Rules.HealthWindow);
            total += window;
            var state = SessionProxyRotation.StateOf(p.Status, new SessionProxyCatalog.ErrorHint(p.ErrorCount, p.CooldownUntil, p.CooldownLevel), now);
            entries.Add(new SessionProxyMetricsEntry(
                p.Id, p.Ip, p.Port, state, WindowOf(window), SessionProxyRotation.Weight(window, Rules.ReferenceLatencyMs), inFlight[i],
                p.RequestsThisHour, p.ErrorCount, state == SessionProxyState.CoolingDown ? p.CooldownUntil : null));
        }

        return new SessionProxyMetrics(
            now,
            Rules.HealthWindow,
            proxies.Count,
            entries.Count(static e => e.State is SessionProxyState.Available or SessionProxyState.Probation),
            entries.Count(static e => e.State == SessionProxyState.CoolingDown),
            entries.Count(static e => e.State == SessionProxyState.Disabled),
            proxies.Sum(static p => p.Sessions.Count),
            proxies.Sum(static p => p.TotalRequests),
            proxies.Sum(static p => p.FailedRequests),
            proxies.Sum(static p => p.BlockedRequests),
            proxies.Sum(static p => p.RequestsThisHour),
            inFlight.Sum(),
            WindowOf(total),
            entries);
    }

    /// <summary>Writes pending counters now (the flusher does it every interval).</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var deltas = _counters.Drain();
        if (deltas.Count == 0)
        {
            return;
        }

        try
        {
            var now = _timeProvider.GetUtcNow();
            await _store.FlushAsync(deltas, SessionProxyClock.MinuteOf(now - Rules.HealthWindow), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _counters.Restore(deltas);
            throw;
        }
    }

    /// <summary>Invalidates every host's view after a change announced by another host.</summary>
    internal void OnChanged() => _catalog.Invalidate();

    internal static string InFlightKey(long proxyId) => string.Create(CultureInfo.InvariantCulture, $"pool:session-proxy:{proxyId}");

    private static string HourlyKey(long proxyId) => string.Create(CultureInfo.InvariantCulture, $"pool:session-proxy:{proxyId}:hour");

    private async Task<ProxyKitResult<SessionProxyTicket>> StickyAsync(
        SessionProxyCatalog.Snapshot snapshot, SessionProxyCatalog.BoundSession bound, string session, CancellationToken cancellationToken)
    {
        var view = new ProxySession(bound.Id, bound.ProxyId, session, bound.Status, bound.CreatedAt);
        if (bound.Status != SessionProxyStatus.Active)
        {
            return ProxyKitResult.Failure<SessionProxyTicket>(
                SessionProxyErrorCodes.SessionDisabled, "The session is disabled.", new Dictionary<string, object?> { ["session_id"] = bound.Id });
        }

        if (!snapshot.Proxies.TryGetValue(bound.ProxyId, out var entry))
        {
            return NotFound<SessionProxyTicket>(bound.ProxyId);
        }

        var refusals = new Refusals();
        var ticket = await TryHandOutAsync(entry, view, false, refusals, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return ticket is not null ? ProxyKitResult.Success(ticket) : refusals.ToFailure(bound.ProxyId, _timeProvider.GetUtcNow());
    }

    private async Task<ProxyKitResult<SessionProxyTicket>> RotateAsync(SessionProxyCatalog.Snapshot snapshot, string? newSession, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var candidates = snapshot.Ordered;
        var weights = ArrayPool<double>.Shared.Rent(candidates.Length);
        var refusals = new Refusals();
        try
        {
            var total = 0.0;
            for (var i = 0; i < candidates.Length; i++)
            {
                var entry = candidates[i];
                var state = SessionProxyRotation.StateOf(entry.Status, entry.Errors, now);
                weights[i] = 0;
                if (state == SessionProxyState.Disabled)
                {
                    refusals.Disabled++;
                }
                else if (state == SessionProxyState.CoolingDown)
                {
                    refusals.CoolingDown(entry.Errors.CooldownUntil!.Value);
                }
                else if (newSession is not null && entry.SessionCount >= Rules.MaxSessionsPerProxy)
                {
                    refusals.SessionLimit++;
                }
                else
                {
                    weights[i] = entry.Weight;
                    total += entry.Weight;
                }
            }

            // Weighted draws without replacement: a proxy that refuses (busy, over its hour, lost a bind race) is not drawn again.
            while (SessionProxyRotation.PickWeighted(weights.AsSpan(0, candidates.Length), total, Random.Shared) is var index and >= 0)
            {
                total -= weights[index];
                weights[index] = 0;
                var ticket = await TryHandOutAsync(candidates[index], null, newSession is not null, refusals, now, cancellationToken).ConfigureAwait(false);
                if (ticket is null)
                {
                    continue;
                }

                if (newSession is null)
                {
                    return ProxyKitResult.Success(ticket);
                }

                var bound = await _store.AddSessionAsync(ticket.Proxy.Id, newSession, Rules.MaxSessionsPerProxy, cancellationToken).ConfigureAwait(false);
                if (bound.Succeeded)
                {
                    await ChangedAsync(ticket.Proxy.Id).ConfigureAwait(false);
                    return ProxyKitResult.Success(ticket with { Session = bound.Value, SessionBound = true });
                }

                await _inFlight.ReleaseAsync(InFlightKey(ticket.Proxy.Id), ticket.Ticket, cancellationToken).ConfigureAwait(false);
                if (bound.Error!.Code == SessionProxyErrorCodes.DuplicateSession)
                {
                    // Bound concurrently (another request for the same new session won): follow it to its proxy.
                    var reloaded = await _catalog.LoadAsync(cancellationToken).ConfigureAwait(false);
                    var hash = _store.HashSession(newSession);
                    return reloaded.Sessions.TryGetValue(hash, out var winner)
                        ? await StickyAsync(reloaded, winner, newSession, cancellationToken).ConfigureAwait(false)
                        : ProxyKitResult.Failure<SessionProxyTicket>(bound.Error);
                }

                refusals.SessionLimit++; // filled up (or deleted) since the view was loaded
            }

            return refusals.ToFailure(null, now);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(weights);
        }
    }

    /// <summary>Takes an in-flight slot, then a permit of the hour; gives the slot back when the hour is spent.</summary>
    private async Task<SessionProxyTicket?> TryHandOutAsync(
        SessionProxyCatalog.Entry entry, ProxySession? session, bool binding, Refusals refusals, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = SessionProxyRotation.StateOf(entry.Status, entry.Errors, now);
        if (state == SessionProxyState.Disabled)
        {
            refusals.Disabled++;
            return null;
        }

        if (state == SessionProxyState.CoolingDown)
        {
            refusals.CoolingDown(entry.Errors.CooldownUntil!.Value);
            return null;
        }

        var cap = state == SessionProxyState.Probation ? 1 : Rules.MaxInFlight;
        var slot = await _inFlight.TryAcquireAsync(InFlightKey(entry.Id), cap, Rules.InFlightTimeout, cancellationToken).ConfigureAwait(false);
        if (!slot.IsAcquired)
        {
            refusals.Busy++;
            return null;
        }

        if (Rules.HourlyRequestLimit is { } limit)
        {
            var permit = await _hourly.TryAcquireAsync(HourlyKey(entry.Id), new RateLimitRule(limit, TimeSpan.FromHours(1), RateLimitAlgorithm.FixedWindow), 1, cancellationToken)
                .ConfigureAwait(false);
            if (!permit.IsAllowed)
            {
                await _inFlight.ReleaseAsync(InFlightKey(entry.Id), slot.LeaseId!, cancellationToken).ConfigureAwait(false);
                refusals.RateLimited(now + permit.RetryAfter);
                return null;
            }
        }

        _counters.RecordHandedOut(entry.Id, now);
        return new SessionProxyTicket(
            slot.LeaseId!, slot.ExpiresAt, new SessionProxyEndpoint(entry.Id, entry.Ip, entry.Port, entry.Username, entry.Password), session, binding, state);
    }

    private bool FailureRateExceeded(SessionProxyCatalog.Entry entry, DateTimeOffset now) =>
        Rules.FailureRateThreshold is not null
        && SessionProxyRotation.FailureRateExceeded(entry.Health + _counters.PendingHealth(entry.Id, now - Rules.HealthWindow), Rules);

    private async Task ChangedAsync(long id)
    {
        _catalog.Invalidate();
        try
        {
            await _bus.PublishAsync(ChangedTopic, id.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }
        catch (ProxyKitException ex)
        {
            // Other hosts still re-read their view within the refresh interval.
            LogAnnounceFailed(_logger, ex, id);
        }
    }

    // Delivery is queued per notifier and never fails the publisher.
    private ValueTask PublishCooldownAsync(SessionProxyCatalog.Entry entry, int errorCount, DateTimeOffset until, int level) =>
        _events.PublishAsync(CooldownEvent, new Dictionary<string, object?>
        {
            ["proxy_id"] = entry.Id,
            ["ip"] = entry.Ip,
            ["port"] = entry.Port,
            ["error_count"] = errorCount,
            ["cooldown_until"] = until,
            ["cooldown_level"] = level,
        });

    private static SessionProxyWindowMetrics WindowOf(SessionProxyHealth health) =>
        new(health.Requests, health.Successes, health.Failures, health.Blocked, health.SuccessRate, health.AverageLatencyMs);

    private static string? NormalizeIp(string? ip, Dictionary<string, object?> problems)
    {
        if (string.IsNullOrWhiteSpace(ip))
        {
            problems["ip"] = "is required";
            return null;
        }

        // Dotted quads only for IPv4 ("10.1" would parse as 10.0.0.1 and dodge the duplicate check).
        if (!IPAddress.TryParse(ip.Trim(), out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && ip.Trim().Count(static c => c == '.') != 3))
        {
            problems["ip"] = "must be an IPv4 or IPv6 address";
            return null;
        }

        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();
    }

    private static void CheckCredential(string? value, string field, Dictionary<string, object?> problems)
    {
        if (value is { Length: > MaxCredentialLength } || (value is not null && value.Any(char.IsControl)))
        {
            problems[field] = $"must be at most {MaxCredentialLength} characters without control characters";
        }
    }

    private static void CheckSession(string? session, Dictionary<string, object?> problems)
    {
        if (string.IsNullOrWhiteSpace(session))
        {
            problems["session"] = "is required";
        }
        else if (session.Length > MaxSessionLength || session.Any(char.IsControl))
        {
            problems["session"] = $"must be at most {MaxSessionLength} characters without control characters";
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static ProxyKitResult<T> Invalid<T>(Dictionary<string, object?> problems) =>
        ProxyKitResult.Failure<T>(SessionProxyErrorCodes.ValidationError, "Missing or invalid fields.", problems);

    private static ProxyKitResult<ProxySession> SessionNotFound(long proxyId, long sessionId) =>
        ProxyKitResult.Failure<ProxySession>(
            SessionProxyErrorCodes.NotFound, "The proxy has no such session.", new Dictionary<string, object?> { ["proxy_id"] = proxyId, ["session_id"] = sessionId });

    private static ProxyKitResult<T> NotFound<T>(long id) =>
        ProxyKitResult.Failure<T>(SessionProxyErrorCodes.NotFound, "The proxy does not exist.", new Dictionary<string, object?> { ["proxy_id"] = id });

    [LoggerMessage(EventId = 6600, Level = LogLevel.Warning, Message = "Session proxy {ProxyId} cooling down until {Until} after {ErrorCount} consecutive errors (cooldown {Level} in a row)")]
    private static partial void LogCooldown(ILogger logger, long proxyId, int errorCount, DateTimeOffset until, int level);

    [LoggerMessage(EventId = 6601, Level = LogLevel.Warning, Message = "Announcing a change of session proxy {ProxyId} failed; other hosts see it within their refresh interval")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception, long proxyId);

    /// <summary>Why proxies refused a request, for the <c>no_proxy_available</c> details and its retry hint.</summary>
    private sealed class Refusals
    {
        private DateTimeOffset? _earliest;

        public int Disabled { get; set; }

        public int Busy { get; set; }

        public int SessionLimit { get; set; }

        private int Cooling { get; set; }

        private int Limited { get; set; }

        public void CoolingDown(DateTimeOffset until)
        {
            Cooling++;
            Earliest(until);
        }

        public void RateLimited(DateTimeOffset until)
        {
            Limited++;
            Earliest(until);
        }

        public ProxyKitResult<SessionProxyTicket> ToFailure(long? proxyId, DateTimeOffset now)
        {
            // A busy proxy frees a slot as soon as any in-flight request is reported: retry soon.
            var retry = Busy > 0 || _earliest is null ? TimeSpan.FromSeconds(1) : _earliest.Value - now;
            var details = new Dictionary<string, object?>
            {
                ["disabled"] = Disabled,
                ["cooling_down"] = Cooling,
                ["busy"] = Busy,
                ["rate_limited"] = Limited,
                ["session_limit"] = SessionLimit,
                ["retry_after_seconds"] = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)),
            };
            if (proxyId is { } id)
            {
                details["proxy_id"] = id;
            }

            var message = proxyId is null
                ? "No proxy can take a request now (disabled, cooling down, at the in-flight cap or over the hourly limit)."
                : "The session's proxy cannot take a request now; the session keeps its proxy, so retry later.";
            return ProxyKitResult.Failure<SessionProxyTicket>(SessionProxyErrorCodes.NoProxyAvailable, message, details);
        }

        private void Earliest(DateTimeOffset until) => _earliest = _earliest is { } e && e < until ? e : until;
    }
}
