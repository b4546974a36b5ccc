using Microsoft.Extensions.Logging;

namespace ProxyKit.Accounts.Keys;

/// <summary>Users and API keys log messages; event ids 3000-3049 (the ledger has 3050-3099). Keys, key hashes and emails are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Registered user {UserId}")]
    public static partial void UserRegistered(ILogger logger, string userId);

    [LoggerMessage(3001, LogLevel.Information, "Created API key {KeyId} ({Prefix}) for user {UserId}")]
    public static partial void KeyCreated(ILogger logger, string keyId, string prefix, string userId);

    [LoggerMessage(3002, LogLevel.Information, "Revoked API key {KeyId} of user {UserId}")]
    public static partial void KeyRevoked(ILogger logger, string keyId, string userId);

    [LoggerMessage(3003, LogLevel.Warning, "Publishing the revocation of API key {KeyId} failed; other hosts may accept it from their caches for up to {CacheDuration}. Revoking it again republishes")]
    public static partial void RevocationPublishFailed(ILogger logger, Exception exception, string keyId, TimeSpan cacheDuration);

    [LoggerMessage(3004, LogLevel.Warning, "Subscribing to API key revocations failed; verified keys are not cached until it succeeds (next attempt in {RetryIn})")]
    public static partial void RevocationSubscribeFailed(ILogger logger, Exception exception, TimeSpan retryIn);

    [LoggerMessage(3005, LogLevel.Debug, "Dropped API key {KeyId} from the verification cache after a revocation")]
    public static partial void KeyInvalidated(ILogger logger, string keyId);

    [LoggerMessage(3006, LogLevel.Warning, "The API key verification cache was full ({Capacity} entries); evicted {Evicted}")]
    public static partial void CacheEvicted(ILogger logger, int capacity, int evicted);

    [LoggerMessage(3007, LogLevel.Warning, "Recording the last use of {Count} API keys failed; they are recorded again on a later use")]
    public static partial void LastUseWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(3008, LogLevel.Warning, "Dropped {Count} last-use updates because the writer fell behind")]
    public static partial void LastUseDropped(ILogger logger, long count);
}
