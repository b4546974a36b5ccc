using Microsoft.Extensions.Logging;
using ProxyKit.ExternalSocks.Provider;

namespace ProxyKit.ExternalSocks.Inventory;

/// <summary>
/// Copies a provider's online proxies into the inventory: adds new, updates changed, counts unchanged as skipped, and
/// removes available proxies the provider no longer lists — only after a complete listing, so a failed or truncated fetch
/// (a 500, a 429 storm, a short page) can never empty the shop. One sync per provider at a time across hosts.
/// </summary>
internal sealed partial class InventorySyncService(
    InventoryStore store, IExternalSocksProviders providers, TimeProvider timeProvider, ILogger<InventorySyncService> logger)
{
    internal const int MaxPages = 10_000;
    private static readonly TimeSpan LockDuration = TimeSpan.FromMinutes(10);

    /// <summary>Syncs <paramref name="providerName"/> (the default provider when null), optionally one country.</summary>
    /// <returns>The result, or <c>SYNC_IN_PROGRESS</c>, <c>UNKNOWN_PROVIDER</c>, <c>CLIENT_NOT_INITIALIZED</c>, <c>PROVIDER_UNAUTHORIZED</c>.</returns>
    public async Task<ProxyKitResult<SyncResult>> SyncAsync(string? providerName, string? countryCode, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        if (providers.Find(providerName) is not { } provider)
        {
            return ProxyKitResult.Failure<SyncResult>(ExternalSocksErrorCodes.UnknownProvider, $"No provider named '{providerName}' is registered.");
        }

        var holder = Guid.NewGuid().ToString("N");
        if (!await store.TryLockSyncAsync(provider.Name, holder, LockDuration, cancellationToken).ConfigureAwait(false))
        {
            return ProxyKitResult.Failure<SyncResult>(ExternalSocksErrorCodes.SyncInProgress, $"Provider '{provider.Name}' is being synced by another host.");
        }

        try
        {
            var started = timeProvider.GetUtcNow();
            var (listed, total, error, fatal) = await FetchAllAsync(provider, countryCode, pageSize, cancellationToken).ConfigureAwait(false);
            if (fatal is not null)
            {
                return ProxyKitResult.Failure<SyncResult>(fatal);
            }

            var complete = error is null;
            var (added, updated, skipped, removed) = await store.ApplyListingAsync(provider.Name, listed, complete, countryCode, cancellationToken).ConfigureAwait(false);
            var result = new SyncResult(provider.Name, listed.Count, total, added, updated, skipped, removed, complete, timeProvider.GetUtcNow(), error);
            await store.RecordSyncAsync(result, countryCode, started, cancellationToken).ConfigureAwait(false);
            if (complete)
            {
                LogSynced(logger, provider.Name, listed.Count, added, updated, skipped, removed);
            }
            else
            {
                LogIncomplete(logger, provider.Name, listed.Count, total, error!);
            }

            return ProxyKitResult.Success<SyncResult>(result);
        }
        finally
        {
            await store.UnlockSyncAsync(provider.Name, holder, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Reads every page; an error stops the listing and makes it incomplete (what was read is still applied, nothing is removed).</summary>
    private static async Task<(List<ProviderProxy> Listed, int Total, string? Error, ProxyKitError? Fatal)> FetchAllAsync(
        IExternalSocksProvider provider, string? countryCode, int pageSize, CancellationToken cancellationToken)
    {
        var listed = new List<ProviderProxy>();
        var total = 0;
        for (var page = 0; page < MaxPages; page++)
        {
            ProviderProxyPage result;
            try
            {
                result = await provider.ListOnlineAsync(new ProviderListQuery(countryCode, Page: page, PageSize: pageSize), cancellationToken).ConfigureAwait(false);
            }
            catch (ExternalSocksProviderException ex) when (page == 0 && ex.Kind is ProviderErrorKind.NotConfigured or ProviderErrorKind.Unauthorized)
            {
                return (listed, 0, null, ProviderError(ex));
            }
            catch (ExternalSocksProviderException ex)
            {
                return (listed, total, $"page {page}: {ex.Message}", null);
            }

            if (page == 0)
            {
                total = result.Total;
            }

            listed.AddRange(result.Items.Where(static p => p.Status == 1));
            var fetchedSoFar = (page * pageSize) + result.Items.Count;
            if (fetchedSoFar >= total)
            {
                return (listed, total, null, null);
            }

            if (result.Items.Count < pageSize)
            {
                // A short page before the end: the provider truncated the listing.
                return (listed, total, $"page {page} had {result.Items.Count} of {pageSize} items with {total - fetchedSoFar} still to come", null);
            }
        }

        return (listed, total, $"stopped after {MaxPages} pages", null);
    }

    internal static ProxyKitError ProviderError(ExternalSocksProviderException exception) => exception.Kind switch
    {
        ProviderErrorKind.NotConfigured => new ProxyKitError(ExternalSocksErrorCodes.ClientNotInitialized, exception.Message),
        ProviderErrorKind.Unauthorized => new ProxyKitError(ExternalSocksErrorCodes.ProviderUnauthorized, "The provider refused the configured API token."),
        ProviderErrorKind.InsufficientBalance => new ProxyKitError(ExternalSocksErrorCodes.ProviderInsufficientBalance, "Insufficient balance on the external API."),
        _ => new ProxyKitError(ExternalSocksErrorCodes.ProviderUnavailable, "The provider is unavailable; retry shortly."),
    };

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "External proxy sync of {Provider}: {Fetched} fetched, {Added} added, {Updated} updated, {Skipped} skipped, {Removed} removed")]
    private static partial void LogSynced(ILogger logger, string provider, int fetched, int added, int updated, int skipped, int removed);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "External proxy sync of {Provider} incomplete ({Fetched} of {Total}): {Error}; nothing was removed")]
    private static partial void LogIncomplete(ILogger logger, string provider, int fetched, int total, string error);
}
