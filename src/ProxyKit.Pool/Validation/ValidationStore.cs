using System.Data.Common;
using ProxyKit.Pool.Proxies;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Validation;

/// <summary>A proxy a validation worker holds: how to reach it, and the evidence its new score builds on.</summary>
internal sealed record CheckClaim(
    string Id, string Protocol, string Ip, int Port, string? Username, string? PasswordProtected, string? Country, string? Anonymity, string? ExitIp,
    ProxyEvidence Evidence);

/// <summary>One stored check of a round.</summary>
internal sealed record CheckRecord(string CheckerName, int Stage, bool Passed, double? LatencyMs, string? Detail);

/// <summary>
/// Due checks as claims with expiring leases (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so N workers split the pool),
/// and the write of a finished round: state (through <see cref="ProxyStore.WriteStateAsync"/>, which keeps the history),
/// evidence, the next due time and the check history, in one transaction, only by the worker holding the claim.
/// </summary>
internal sealed class ValidationStore(ProxyKitDatabase database, ProxyStore proxies)
{
    public async Task<IReadOnlyList<CheckClaim>> ClaimDueAsync(string worker, int max, DateTimeOffset now, TimeSpan claimFor, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var claim = connection.CreateCommand(
                    "UPDATE pool_proxies SET check_claimed_by = @worker, check_claim_expires_at = @until WHERE id IN (" +
                    "SELECT id FROM pool_proxies WHERE next_check_at <= @now AND (check_claim_expires_at IS NULL OR check_claim_expires_at <= @now) " +
                    $"ORDER BY next_check_at LIMIT @max {database.Dialect.ForUpdateSkipLocked}) " +
                    "RETURNING id, protocol, ip, port, username, password_protected, country, anonymity, exit_ip, decayed_successes, decayed_failures, " +
                    "last_checked_at, last_success_at, avg_latency_ms, consecutive_failures, checks_total", transaction)
                    .With("worker", worker).With("until", now + claimFor).With("now", now).With("max", max);
                var claims = new List<CheckClaim>();
                var reader = await claim.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var lastChecked = reader.GetFieldValue<DateTimeOffset>(11);
                        var latency = reader.GetDouble(13);
                        claims.Add(new CheckClaim(
                            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                            Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7), Text(reader, 8),
                            new ProxyEvidence(
                                reader.GetDouble(9), reader.GetDouble(10),
                                lastChecked <= ProxyStore.NeverChecked ? null : lastChecked,
                                reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12),
                                latency >= ProxyStore.NeverLatency ? null : latency,
                                reader.GetInt32(14), reader.GetInt64(15))));
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return claims;
            }
        }
    }

    /// <summary>Writes a finished round; false when this worker no longer holds the claim (it expired and another took it).</summary>
    public async Task<bool> RecordAsync(
        CheckClaim claim, string worker, ProxyStateUpdate state, ProxyEvidence evidence, DateTimeOffset nextCheckAt, IReadOnlyList<CheckRecord> checks,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using (var held = connection.CreateCommand(
                    $"SELECT check_claimed_by FROM pool_proxies WHERE id = @id {database.Dialect.ForUpdate}", transaction).With("id", claim.Id))
                {
                    if (await held.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string holder || holder != worker)
                    {
                        return false;
                    }
                }

                await proxies.WriteStateAsync(connection, transaction, claim.Id, state, now,
                    ("decayed_successes = @successes, decayed_failures = @failures, last_success_at = @last_success, consecutive_failures = @failures_in_row, " +
                     "checks_total = @checks_total, next_check_at = @next_check, check_claimed_by = NULL, check_claim_expires_at = NULL",
                     command => command.With("successes", evidence.Successes).With("failures", evidence.Failures).With("last_success", evidence.LastSuccessAt)
                         .With("failures_in_row", evidence.ConsecutiveFailures).With("checks_total", evidence.ChecksTotal).With("next_check", nextCheckAt)),
                    cancellationToken).ConfigureAwait(false);

                foreach (var check in checks)
                {
                    using var insert = connection.CreateCommand(
                        "INSERT INTO pool_proxy_checks (proxy_id, checker_name, stage, passed, latency_ms, detail, created_at) " +
                        "VALUES (@proxy, @checker, @stage, @passed, @latency, @detail, @now)", transaction)
                        .With("proxy", claim.Id).With("checker", check.CheckerName).With("stage", check.Stage).With("passed", check.Passed)
                        .With("latency", check.LatencyMs).With("detail", check.Detail).With("now", now);
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Releases a claim without a verdict (the round was inconclusive): the proxy is due again at <paramref name="nextCheckAt"/>, its record untouched.</summary>
    public async Task<bool> PostponeAsync(CheckClaim claim, string worker, DateTimeOffset nextCheckAt, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var postpone = connection.CreateCommand(
                "UPDATE pool_proxies SET next_check_at = @next, check_claimed_by = NULL, check_claim_expires_at = NULL WHERE id = @id AND check_claimed_by = @worker", null)
                .With("id", claim.Id).With("worker", worker).With("next", nextCheckAt);
            return await postpone.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }

    /// <summary>Deletes check history older than the retention window.</summary>
    public async Task<int> PruneChecksAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var delete = connection.CreateCommand("DELETE FROM pool_proxy_checks WHERE created_at < @before", null).With("before", before);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
