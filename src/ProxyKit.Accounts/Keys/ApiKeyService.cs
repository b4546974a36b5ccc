using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ProxyKit.Accounts.Users;
using ProxyKit.Coordination;
using ProxyKit.Storage;

namespace ProxyKit.Accounts.Keys;

/// <summary>
/// Users and their API keys (seed 003 <c>/auth/*</c> and <c>GET /account</c>): registration, key creation, listing and
/// revocation, and <see cref="VerifyAsync"/> for every authenticated request. Register it as a singleton.
/// </summary>
/// <remarks>
/// <para>
/// Keys are <c>pp_</c> + 48 characters (see <see cref="ApiKeyFormat"/>). The store keeps only the SHA-256 of a key, its
/// 8-character display prefix and metadata; the plaintext exists in the <see cref="NewApiKey"/> returned once at
/// creation and is never stored or logged.
/// </para>
/// <para>
/// Verification rejects malformed keys (wrong prefix, length, alphabet or checksum) in memory, then looks the hash
/// up and caches positive results for <see cref="AccountsOptions.KeyCacheDuration"/> (at most 100,000 keys). Negative
/// results are not cached: a well-formed unknown key must carry a valid checksum, so typos and scanner noise never
/// reach the database, and a rejected key that later becomes valid is impossible (keys are random). Revocation drops
/// the key from this host's cache at once and publishes <see cref="RevokedTopic"/> on the <see cref="IEventBus"/>, which
/// every instance subscribes to, so other hosts drop it within the bus's delivery time. Should that event be lost (a
/// Redis outage), the cache duration bounds how long other hosts keep accepting the key.
/// </para>
/// </remarks>
public sealed partial class ApiKeyService : IAsyncDisposable
{
    /// <summary>The event published when a key is revoked; the payload is the key id (never the key or its hash).</summary>
    public const string RevokedTopic = "accounts.key_revoked";

    /// <summary>The label of the key created at registration, and of keys created without one.</summary>
    public const string DefaultLabel = "default";

    /// <summary>The most keys the verification cache holds before it evicts.</summary>
    internal const int CacheCapacity = 100_000;

    private const string EmailConstraint = "ux_accounts_users_email";

    private readonly ProxyKitDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly IEventBus _eventBus;
    private readonly ILogger _logger;
    private readonly TimeSpan _cacheDuration;
    private readonly ApiKeyCache _cache;
    private readonly LastUseRecorder _lastUse;

    /// <summary>Creates the service (normally resolved from DI as a singleton).</summary>
    /// <param name="database">The store holding <c>accounts_users</c> and <c>accounts_api_keys</c> (migration accounts/0001).</param>
    /// <param name="options">Supplies <see cref="AccountsOptions.KeyCacheDuration"/>.</param>
    /// <param name="timeProvider">The clock for timestamps and cache expiry.</param>
    /// <param name="eventBus">Carries revocations between hosts (Redis) or within one (in-process).</param>
    /// <param name="logger">Receives registrations, key changes and background failures; never keys or emails.</param>
    public ApiKeyService(ProxyKitDatabase database, IOptions<AccountsOptions> options, TimeProvider timeProvider, IEventBus eventBus, ILogger<ApiKeyService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(eventBus);
        _database = database;
        _timeProvider = timeProvider;
        _eventBus = eventBus;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _cacheDuration = options.Value.KeyCacheDuration;
        _cache = new ApiKeyCache(CacheCapacity);
        _lastUse = new LastUseRecorder(database, _logger);
    }

    /// <summary>
    /// Registers a user and creates their first key (label <c>default</c>) in one transaction.
    /// </summary>
    /// <param name="email">The email; unique case-insensitively.</param>
    /// <param name="displayName">1-100 characters after trimming, no control characters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The user and the raw key, or <see cref="AccountError.InvalidEmail"/>, <see cref="AccountError.InvalidDisplayName"/>
    /// (nothing stored), or <see cref="AccountError.EmailTaken"/> (decided by the unique constraint, so concurrent
    /// registrations of one email yield exactly one user).
    /// </returns>
    public async Task<RegistrationResult> RegisterAsync(string? email, string? displayName, CancellationToken cancellationToken = default)
    {
        if (!AccountInputRules.TryNormalizeEmail(email, out var trimmedEmail, out var normalizedEmail))
        {
            return RegistrationResult.Failed(AccountError.InvalidEmail, AccountInputRules.InvalidEmailMessage);
        }

        if (!AccountInputRules.TryNormalizeDisplayName(displayName, out var name))
        {
            return RegistrationResult.Failed(AccountError.InvalidDisplayName, AccountInputRules.InvalidDisplayNameMessage);
        }

        var now = _timeProvider.GetUtcNow();
        var user = new AccountUser(NewId(now), trimmedEmail, name, now);
        var (key, hash) = NewKey(DefaultLabel, now);

        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await _database.Dialect.BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                try
                {
                    using var insertUser = connection.CreateCommand(
                        "INSERT INTO accounts_users (id, email, email_normalized, display_name, created_at) VALUES (@id, @email, @email_normalized, @display_name, @created_at)",
                        transaction)
                        .With("id", user.Id).With("email", user.Email).With("email_normalized", normalizedEmail)
                        .With("display_name", user.DisplayName).With("created_at", now);
                    await insertUser.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (DbException ex) when (_database.Dialect.TryGetUniqueViolation(ex, out var violation) && violation.Matches(EmailConstraint, "email_normalized"))
                {
                    return RegistrationResult.Failed(AccountError.EmailTaken, "An account with this email already exists.");
                }

                using var insertKey = InsertKeyCommand(connection, transaction, key, hash, user.Id, "VALUES (@id, @user_id, @key_hash, @prefix, @label, @created_at)");
                await insertKey.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Log.UserRegistered(_logger, user.Id);
        Log.KeyCreated(_logger, key.Id, key.Prefix, user.Id);
        return new RegistrationResult(user, key);
    }

    /// <summary>Creates another key for a user.</summary>
    /// <param name="userId">The owner (the authenticated user).</param>
    /// <param name="label">1-64 characters after trimming; <see langword="null"/> means <see cref="DefaultLabel"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The raw key, or <see cref="AccountError.InvalidLabel"/> / <see cref="AccountError.UserNotFound"/>.</returns>
    public async Task<CreateApiKeyResult> CreateKeyAsync(string userId, string? label = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!AccountInputRules.TryNormalizeLabel(label ?? DefaultLabel, out var trimmedLabel))
        {
            return new CreateApiKeyResult(null, AccountError.InvalidLabel, AccountInputRules.InvalidLabelMessage);
        }

        var now = _timeProvider.GetUtcNow();
        var (key, hash) = NewKey(trimmedLabel, now);
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One statement: the key exists only if its owner does, on every engine.
            using var insert = InsertKeyCommand(connection, null, key, hash, userId,
                "SELECT @id, id, @key_hash, @prefix, @label, @created_at FROM accounts_users WHERE id = @user_id");
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                return new CreateApiKeyResult(null, AccountError.UserNotFound, "No such user.");
            }
        }

        Log.KeyCreated(_logger, key.Id, key.Prefix, userId);
        return new CreateApiKeyResult(key);
    }

    /// <summary>Lists a user's keys, revoked ones included, oldest first: metadata only, never a key or a hash.</summary>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var keys = new List<ApiKeyInfo>();
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand(
                "SELECT id, prefix, label, created_at, last_used_at, revoked_at FROM accounts_api_keys WHERE user_id = @user_id ORDER BY created_at, id",
                null).With("user_id", userId);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keys.Add(new ApiKeyInfo(
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        reader.GetFieldValue<DateTimeOffset>(3),
                        reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
                }
            }
        }

        return keys;
    }

    /// <summary>
    /// Revokes one of a user's keys. It stops verifying at once on this host and, through <see cref="RevokedTopic"/>,
    /// on every other host within the event bus's delivery time.
    /// </summary>
    /// <param name="userId">The owner: another user's key is never revoked (and reported as not found).</param>
    /// <param name="keyId">The key id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <see langword="true"/> when this call revoked the key; <see langword="false"/> when the user has no such key or it
    /// was already revoked (map both to 404). Revoking an already revoked key still republishes the revocation, so
    /// retrying a revocation whose event was lost is safe.
    /// </returns>
    public async Task<bool> RevokeKeyAsync(string userId, string keyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(keyId);
        bool revoked, exists;
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var revoke = connection.CreateCommand(
                "UPDATE accounts_api_keys SET revoked_at = @now WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL RETURNING id",
                null).With("now", _timeProvider.GetUtcNow()).With("id", keyId).With("user_id", userId);
            revoked = await revoke.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
            exists = revoked;
            if (!revoked)
            {
                using var find = connection.CreateCommand("SELECT COUNT(*) FROM accounts_api_keys WHERE id = @id AND user_id = @user_id", null)
                    .With("id", keyId).With("user_id", userId);
                exists = Convert.ToInt64(await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
            }
        }

        if (!exists)
        {
            return false;
        }

        Invalidate(keyId);
        if (revoked)
        {
            Log.KeyRevoked(_logger, keyId, userId);
        }

        try
        {
            await _eventBus.PublishAsync(RevokedTopic, keyId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The revocation is committed and this host rejects the key; other hosts' caches expire on their own.
            Log.RevocationPublishFailed(_logger, ex, keyId, _cacheDuration);
        }

        return revoked;
    }

    /// <summary>Gets a user (for <c>GET /account</c>), or <see langword="null"/> when there is none.</summary>
    /// <param name="userId">The user id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<AccountUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        var connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var select = connection.CreateCommand("SELECT id, email, display_name, created_at FROM accounts_users WHERE id = @id", null).With("id", userId);
            var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new AccountUser(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3))
                    : null;
            }
        }
    }

    /// <summary>Ends the revocation subscription and writes the last-use times still queued.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync().ConfigureAwait(false);
        await _lastUse.DisposeAsync().ConfigureAwait(false);
    }

    private static string NewId(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("D", CultureInfo.InvariantCulture);

    private static (NewApiKey Key, string HashHex) NewKey(string label, DateTimeOffset now)
    {
        var raw = ApiKeyFormat.Generate();
        var key = new NewApiKey(NewId(now), raw, ApiKeyFormat.DisplayPrefix(raw), label, now);
        return (key, KeyHash.Of(raw).ToHex());
    }

    private static DbCommand InsertKeyCommand(DbConnection connection, DbTransaction? transaction, NewApiKey key, string hashHex, string userId, string source) =>
        connection.CreateCommand(
            "INSERT INTO accounts_api_keys (id, user_id, key_hash, prefix, label, created_at) " + source,
            transaction)
            .With("id", key.Id).With("user_id", userId).With("key_hash", hashHex)
            .With("prefix", key.Prefix).With("label", key.Label).With("created_at", key.CreatedAt);
}
