using System.Globalization;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Idempotency;

/// <summary>What <see cref="IdempotencyStore.BeginAsync"/> found.</summary>
public enum IdempotencyState
{
    /// <summary>The key is new: this request owns it and must <see cref="IdempotencyStore.CompleteAsync"/> or <see cref="IdempotencyStore.AbandonAsync"/> it.</summary>
    Started,

    /// <summary>A request with this key and the same body finished: answer with <see cref="IdempotencyBegin.Response"/>.</summary>
    Completed,

    /// <summary>The key was used for a different request (HTTP 422).</summary>
    Mismatch,

    /// <summary>A request with this key is still running (HTTP 409).</summary>
    InProgress,
}

/// <summary>A stored response.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="ContentType">The content type, when there was a body.</param>
/// <param name="Body">The body, as text.</param>
public sealed record IdempotentResponse(int StatusCode, string? ContentType, string Body);

/// <summary>The outcome of <see cref="IdempotencyStore.BeginAsync"/>.</summary>
/// <param name="State">What was found.</param>
/// <param name="Response">The stored response, for <see cref="IdempotencyState.Completed"/>.</param>
public sealed record IdempotencyBegin(IdempotencyState State, IdempotentResponse? Response = null);

/// <summary>
/// <c>Idempotency-Key</c> support for spending requests, implemented once: the first request with a key claims it by
/// inserting its row (the primary key decides between concurrent duplicates), runs, and stores its response; a retry
/// with the same body gets that response, one with another body a mismatch, one while the first still runs "in
/// progress". A request that fails without a response abandons its claim, so the key can be retried; a claim left
/// by a crashed host is taken over after <see cref="StaleAfter"/>. Keys are scoped (per user).
/// </summary>
public sealed class IdempotencyStore(ProxyKitDatabase database, TimeProvider timeProvider)
{
    /// <summary>How long a claim may stay running before another request may take it over.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);

    /// <summary>Claims <paramref name="key"/> in <paramref name="scope"/> for a request whose body hashes to <paramref name="requestHash"/>, or reports what holds it.</summary>
    public async Task<IdempotencyBegin> BeginAsync(string scope, string key, string requestHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(requestHash);
        var now = timeProvider.GetUtcNow();
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                using var insert = connection.CreateCommand(
                    """
                    INSERT INTO accounts_idempotency (scope, idempotency_key, request_hash, state, created_at)
                    VALUES (@scope, @key, @hash, 'running', @now)
                    """,
                    null).With("scope", scope).With("key", key).With("hash", requestHash).With("now", now);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return new IdempotencyBegin(IdempotencyState.Started);
            }
            catch (Exception ex) when (database.Dialect.TryGetUniqueViolation(ex, out var violation)
                && violation.Matches("pk_accounts_idempotency", "scope", "idempotency_key"))
            {
                // Held already: read what holds it.
            }

            using var select = connection.CreateCommand(
                "SELECT request_hash, state, response_status, response_type, response_body, created_at FROM accounts_idempotency WHERE scope = @scope AND idempotency_key = @key",
                null).With("scope", scope).With("key", key);
            string hash, state;
            IdempotentResponse? response = null;
            DateTimeOffset created;
            using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new IdempotencyBegin(IdempotencyState.InProgress); // abandoned this very moment: the caller may retry
                }

                (hash, state, created) = (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(5));
                if (state == "completed")
                {
                    response = new IdempotentResponse(
                        Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4));
                }
            }

            if (!string.Equals(hash, requestHash, StringComparison.Ordinal))
            {
                return new IdempotencyBegin(IdempotencyState.Mismatch);
            }

            if (response is not null)
            {
                return new IdempotencyBegin(IdempotencyState.Completed, response);
            }

            if (now - created < StaleAfter)
            {
                return new IdempotencyBegin(IdempotencyState.InProgress);
            }

            // A claim nobody finished (its host died): take it over, if no one else just did.
            using var takeOver = connection.CreateCommand(
                "UPDATE accounts_idempotency SET created_at = @now WHERE scope = @scope AND idempotency_key = @key AND state = 'running' AND created_at = @created",
                null).With("scope", scope).With("key", key).With("now", now).With("created", created);
            return await takeOver.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1
                ? new IdempotencyBegin(IdempotencyState.Started)
                : new IdempotencyBegin(IdempotencyState.InProgress);
        }
    }

    /// <summary>Stores the response of a request that owns its key.</summary>
    public async Task CompleteAsync(string scope, string key, IdempotentResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var update = connection.CreateCommand(
                """
                UPDATE accounts_idempotency SET state = 'completed', response_status = @status, response_type = @type, response_body = @body
                WHERE scope = @scope AND idempotency_key = @key AND state = 'running'
                """,
                null).With("scope", scope).With("key", key).With("status", response.StatusCode).With("type", response.ContentType).With("body", response.Body);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the claim of a request that produced no response worth keeping (an exception, a server error), so the key can be retried.</summary>
    public async Task AbandonAsync(string scope, string key, CancellationToken cancellationToken = default)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var delete = connection.CreateCommand(
                "DELETE FROM accounts_idempotency WHERE scope = @scope AND idempotency_key = @key AND state = 'running'", null)
                .With("scope", scope).With("key", key);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
