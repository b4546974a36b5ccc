using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Ledger;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Proxies;
using ProxyKit.Secrets;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Leasing;

/// <summary>
/// Leases pool proxies for credits (<c>POST /proxies/acquire</c> and its release). A lease and its payment happen
/// together or not at all: the price is reserved as an <see cref="ICreditLedger"/> hold, the lease is inserted (a
/// database constraint keeps one active lease per proxy across hosts), then the hold is posted; any failure in
/// between voids the hold and removes the unpaid lease. Releasing early refunds nothing.
/// </summary>
public sealed partial class ProxyLeaseService
{
    private static readonly string[] Protocols = ["http", "https", "socks4", "socks5"];
    private static readonly string[] Anonymities = ["transparent", "anonymous", "elite"];
    private static readonly TimeSpan HoldLifetime = TimeSpan.FromMinutes(10);

    private readonly LeaseStore _store;
    private readonly ICreditLedger? _ledger;
    private readonly SecretProtector _protector;
    private readonly IPoolEvents _events;
    private readonly TimeProvider _timeProvider;
    private readonly IOptions<PoolOptions> _options;
    private readonly ILogger _logger;

    internal ProxyLeaseService(
        LeaseStore store, ICreditLedger? ledger, SecretProtector protector, IPoolEvents events, TimeProvider timeProvider,
        IOptions<PoolOptions> options, ILogger<ProxyLeaseService> logger)
    {
        _store = store;
        _ledger = ledger;
        _protector = protector;
        _events = events;
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;
    }

    /// <summary>
    /// Leases the best-scoring active proxy that matches <paramref name="request"/> and is not leased, charging
    /// <see cref="PoolOptions.LeaseCost"/> credits. Repeating a request with the same <paramref name="idempotencyKey"/>
    /// returns the same lease and charges once.
    /// </summary>
    /// <returns>
    /// The lease, or <see cref="PoolErrorCodes.InvalidRequest"/>, <see cref="LeaseErrorCodes.InsufficientCredits"/>,
    /// <see cref="LeaseErrorCodes.NoMatchingProxy"/>, <see cref="LeaseErrorCodes.AllLeased"/> or
    /// <see cref="LeaseErrorCodes.IdempotencyKeyReused"/>.
    /// </returns>
    /// <exception cref="InvalidOperationException">No <see cref="ICreditLedger"/> is registered (add ProxyKit.Accounts).</exception>
    public async Task<ProxyKitResult<ProxyLease>> AcquireAsync(Guid userId, LeaseRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ledger = _ledger ?? throw new InvalidOperationException(
            "Leases are paid in credits: register an ICreditLedger (services.AddProxyKitAccounts()) before acquiring proxies.");
        var options = _options.Value;
        if (Normalize(request, options, out var filter, out var duration) is { } invalid)
        {
            return ProxyKitResult.Failure<ProxyLease>(invalid);
        }

        if (idempotencyKey is not null && (idempotencyKey.Length == 0 || idempotencyKey.Length > 200))
        {
            return ProxyKitResult.Failure<ProxyLease>(PoolErrorCodes.InvalidRequest, "An idempotency key has 1 to 200 characters.", Field("idempotency_key"));
        }

        var fingerprint = string.Create(CultureInfo.InvariantCulture,
            $"{filter.Protocol}|{filter.Country}|{filter.Anonymity}|{filter.MinScore:R}|{(long)duration.TotalSeconds}");
        if (idempotencyKey is not null && await _store.FindByKeyAsync(userId, idempotencyKey, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            return await ReplayAsync(ledger, earlier, fingerprint, cancellationToken).ConfigureAwait(false);
        }

        var now = _timeProvider.GetUtcNow();
        var (anyMatch, anyFree) = await _store.ProbeAsync(filter, now, cancellationToken).ConfigureAwait(false);
        if (!anyMatch)
        {
            return NoMatch();
        }

        if (!anyFree)
        {
            return AllLeased();
        }

        // 1. Reserve the price (a hold on its own key: a failed attempt's voided hold is never reused by a retry).
        var leaseId = Guid.CreateVersion7();
        var cost = options.LeaseCost;
        Guid? holdId = null;
        long? balance = null;
        if (cost > 0)
        {
            var hold = await ledger.HoldAsync(
                new LedgerHold(userId, LedgerAsset.Credits, cost, "lease:" + leaseId.ToString("D"), "Proxy lease", now + HoldLifetime, leaseId.ToString("D"), "acquire"),
                cancellationToken).ConfigureAwait(false);
            if (hold.Status == LedgerStatus.InsufficientFunds)
            {
                var current = await ledger.GetBalanceAsync(userId, LedgerAsset.Credits, cancellationToken).ConfigureAwait(false);
                return ProxyKitResult.Failure<ProxyLease>(LeaseErrorCodes.InsufficientCredits,
                    string.Create(CultureInfo.InvariantCulture, $"You need at least {cost} credit{(cost == 1 ? string.Empty : "s")} to acquire a proxy. Current balance: {current}."),
                    new Dictionary<string, object?> { ["required"] = cost, ["balance"] = current });
            }

            if (!hold.Succeeded || hold.TransferId is null)
            {
                throw new ProxyKitException($"The credit ledger refused a lease hold ({hold.Status}).");
            }

            holdId = hold.TransferId;
            balance = hold.BalanceAfter;
        }

        // 2. Insert the lease (constraint-protected); 3. post the hold. Any failure voids the hold and removes the lease.
        string? proxyId = null;
        var posted = false;
        var postAttempted = false;
        try
        {
            var lease = new NewLease(leaseId, userId, now, now + duration, cost, holdId, idempotencyKey, fingerprint);
            IReadOnlyList<ExpiredLease> expired;
            try
            {
                (proxyId, expired) = await _store.InsertAsync(lease, filter, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (idempotencyKey is not null && IsIdempotencyViolation(ex))
            {
                // A concurrent request with the same key won: answer with its lease (this attempt's hold is voided below).
                var winner = await _store.FindByKeyAsync(userId, idempotencyKey, CancellationToken.None).ConfigureAwait(false)
                    ?? throw new ProxyKitException("An idempotency key collided but its lease cannot be read.", ex);
                return await ReplayAsync(ledger, winner, fingerprint, cancellationToken).ConfigureAwait(false);
            }

            await PublishExpiredAsync(expired).ConfigureAwait(false);
            if (proxyId is null)
            {
                return AllLeased();
            }

            if (holdId is { } id)
            {
                postAttempted = true;
                var post = await ledger.PostHoldAsync(id, cancellationToken).ConfigureAwait(false);
                postAttempted = false; // answered: the outcome is known
                if (!post.Succeeded)
                {
                    throw new ProxyKitException($"The credit ledger could not settle the lease hold ({post.Status}).");
                }
            }

            posted = true;
            await _store.MarkPostedAsync(leaseId, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (!posted)
            {
                await UndoAsync(ledger, holdId, proxyId is null ? null : leaseId, postAttempted).ConfigureAwait(false);
            }
        }

        var stored = await _store.GetAsync(leaseId, CancellationToken.None).ConfigureAwait(false)
            ?? throw new ProxyKitException("A lease just acquired cannot be read.");
        LogAcquired(_logger, leaseId, stored.ProxyId, userId);
        await _events.PublishAsync("lease.acquired", new Dictionary<string, object?>
        {
            ["lease_id"] = leaseId.ToString("D"),
            ["proxy_id"] = stored.ProxyId,
            ["user_id"] = userId.ToString("D"),
            ["expires_at"] = stored.ExpiresAt,
        }, CancellationToken.None).ConfigureAwait(false);
        balance ??= await ledger.GetBalanceAsync(userId, LedgerAsset.Credits, CancellationToken.None).ConfigureAwait(false);
        if (balance.Value < _options.Value.Notifications.CreditsLowThreshold)
        {
            await _events.PublishAsync("credits.low", new Dictionary<string, object?>
            {
                ["user_id"] = userId.ToString("D"),
                ["balance"] = balance.Value,
                ["threshold"] = _options.Value.Notifications.CreditsLowThreshold,
            }, CancellationToken.None).ConfigureAwait(false);
        }

        return ProxyKitResult.Success(ToLease(stored, balance.Value, replayed: false));
    }

    /// <summary>
    /// Ends the caller's lease now; the proxy is available at once and nothing is refunded. Releasing again returns the
    /// same outcome; a lease that does not exist or is another user's is <see cref="PoolErrorCodes.NotFound"/>.
    /// </summary>
    public async Task<ProxyKitResult<LeaseRelease>> ReleaseAsync(Guid userId, Guid leaseId, CancellationToken cancellationToken = default)
    {
        var released = await _store.ReleaseAsync(userId, leaseId, _timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return released is null
            ? ProxyKitResult.Failure<LeaseRelease>(PoolErrorCodes.NotFound, "You have no lease with this id.", new Dictionary<string, object?> { ["lease_id"] = leaseId.ToString("D") })
            : ProxyKitResult.Success(released);
    }

    internal async Task PublishExpiredAsync(IReadOnlyList<ExpiredLease> expired)
    {
        foreach (var lease in expired)
        {
            await _events.PublishAsync("lease.expired", new Dictionary<string, object?>
            {
                ["lease_id"] = lease.LeaseId.ToString("D"),
                ["proxy_id"] = lease.ProxyId,
                ["user_id"] = lease.UserId.ToString("D"),
                ["expired_at"] = lease.ExpiredAt,
            }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<ProxyKitResult<ProxyLease>> ReplayAsync(ICreditLedger ledger, StoredLease earlier, string fingerprint, CancellationToken cancellationToken)
    {
        if (!string.Equals(earlier.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            return ProxyKitResult.Failure<ProxyLease>(LeaseErrorCodes.IdempotencyKeyReused,
                "This idempotency key was used for a different acquisition; use a new key.", Field("idempotency_key"));
        }

        var balance = await ledger.GetBalanceAsync(earlier.UserId, LedgerAsset.Credits, cancellationToken).ConfigureAwait(false);
        return ProxyKitResult.Success(ToLease(earlier, balance, replayed: true));
    }

    // Neither lease nor charge: void the hold first (the money is the user's again), then drop the unpaid lease. Runs on
    // CancellationToken.None: a caller that gave up must not leave a reservation or a free lease behind.
    // maybePosted: the post threw, so it may have settled the hold before failing to answer.
    private async Task UndoAsync(ICreditLedger ledger, Guid? holdId, Guid? leaseId, bool maybePosted)
    {
        try
        {
            if (holdId is { } id)
            {
                var voided = await ledger.VoidHoldAsync(id, CancellationToken.None).ConfigureAwait(false);
                if (maybePosted && voided.Status == LedgerStatus.HoldNotPending && leaseId is { } paidLease)
                {
                    // The post went through after all (its reply was lost): the lease is paid and stays.
                    await _store.MarkPostedAsync(paidLease, CancellationToken.None).ConfigureAwait(false);
                    return;
                }
            }

            if (leaseId is { } lease)
            {
                await _store.DeleteUnpaidAsync(lease, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The ledger voids a forgotten hold at its expiry; the unpaid lease ends at its own.
            LogUndoFailed(_logger, ex, leaseId, holdId);
        }
    }

    private bool IsIdempotencyViolation(Exception ex) =>
        _store.Dialect.TryGetUniqueViolation(ex, out var violation) && violation.Matches("ux_pool_leases_idempotency", "user_id", "idempotency_key");

    private ProxyLease ToLease(StoredLease lease, long balance, bool replayed)
    {
        string? password = null;
        if (lease.ProtectedPassword is { } sealedPassword)
        {
            password = _protector.Unprotect(ProxyStore.CredentialsPurpose, sealedPassword);
        }

        var proxy = new LeasedProxy(lease.ProxyId, lease.Ip, lease.Port, lease.Protocol, lease.Country, lease.Anonymity, lease.Username, password);
        return new ProxyLease(lease.Id, proxy, lease.AcquiredAt, lease.ExpiresAt, balance, replayed);
    }

    private static ProxyKitError? Normalize(LeaseRequest request, PoolOptions options, out LeaseFilter filter, out TimeSpan duration)
    {
        filter = new LeaseFilter(
            request.Protocol?.Trim().ToLowerInvariant(), request.Country?.Trim().ToUpperInvariant(), request.Anonymity?.Trim().ToLowerInvariant(), request.MinScore);
        duration = options.DefaultLeaseDuration;
        if (filter.Protocol is { } protocol && !Protocols.Contains(protocol))
        {
            return Invalid("protocol", "protocol must be http, https, socks4 or socks5.");
        }

        if (filter.Country is { } country && (country.Length != 2 || !char.IsAsciiLetterUpper(country[0]) || !char.IsAsciiLetterUpper(country[1])))
        {
            return Invalid("country", "country must be an ISO 3166-1 alpha-2 code such as US.");
        }

        if (filter.Anonymity is { } anonymity && !Anonymities.Contains(anonymity))
        {
            return Invalid("anonymity", "anonymity must be transparent, anonymous or elite.");
        }

        if (filter.MinScore is { } minScore && (double.IsNaN(minScore) || minScore < 0 || minScore > 1))
        {
            return Invalid("min_score", "min_score must be between 0.0 and 1.0.");
        }

        if (request.LeaseDurationSeconds is { } seconds)
        {
            var max = (long)options.MaxLeaseDuration.TotalSeconds;
            if (seconds < 1 || seconds > max)
            {
                return Invalid("lease_duration_seconds", string.Create(CultureInfo.InvariantCulture, $"lease_duration_seconds must be between 1 and {max}."));
            }

            duration = TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    private static ProxyKitResult<ProxyLease> NoMatch() =>
        ProxyKitResult.Failure<ProxyLease>(LeaseErrorCodes.NoMatchingProxy, "No active proxy matches the filters.");

    private static ProxyKitResult<ProxyLease> AllLeased() =>
        ProxyKitResult.Failure<ProxyLease>(LeaseErrorCodes.AllLeased, "Every active proxy matching the filters is leased right now; try again later.");

    private static ProxyKitError Invalid(string field, string message) => new(PoolErrorCodes.InvalidRequest, message, Field(field));

    private static Dictionary<string, object?> Field(string name) => new() { ["field"] = name };

    [LoggerMessage(EventId = 6500, Level = LogLevel.Information, Message = "Lease {LeaseId} of proxy {ProxyId} acquired by user {UserId}")]
    private static partial void LogAcquired(ILogger logger, Guid leaseId, string proxyId, Guid userId);

    [LoggerMessage(EventId = 6501, Level = LogLevel.Error, Message = "Undoing the failed lease {LeaseId} (hold {HoldId}) failed; the hold is voided at its expiry")]
    private static partial void LogUndoFailed(ILogger logger, Exception exception, Guid? leaseId, Guid? holdId);
}
