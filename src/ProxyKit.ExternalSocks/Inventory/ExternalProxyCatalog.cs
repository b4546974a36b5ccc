using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Inventory;

/// <summary>The inventory as users and administrators see it: listing, manual sync, sync status, cleanup and statistics.</summary>
public sealed class ExternalProxyCatalog
{
    private readonly InventoryStore _store;
    private readonly InventorySyncService _sync;
    private readonly IOptions<ExternalSocksOptions> _options;

    internal ExternalProxyCatalog(InventoryStore store, InventorySyncService sync, IOptions<ExternalSocksOptions> options)
    {
        _store = store;
        _sync = sync;
        _options = options;
    }

    /// <summary>Gets the fixed price of one proxy in US dollars.</summary>
    public decimal Price => _options.Value.Price;

    /// <summary>Lists proxies for sale.</summary>
    /// <returns>The page, or <c>INVALID_REQUEST</c> for a bad page, page size or type.</returns>
    public async Task<ProxyKitResult<InventoryPage>> ListAsync(InventoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Page < 0 || query.PageSize is < 1 or > 500 || (query.Type is not null && query.Type is not ("residential" or "mobile" or "hosting"))
            || query.MinSpeed < 0)
        {
            return ProxyKitResult.Failure<InventoryPage>(ExternalSocksErrorCodes.InvalidRequest,
                "page must be >= 0, page_size 1-500, type residential|mobile|hosting, min_speed >= 0.");
        }

        return ProxyKitResult.Success<InventoryPage>(await _store.ListAsync(query, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Syncs a provider now (the default one when <paramref name="provider"/> is null), optionally one country.</summary>
    public Task<ProxyKitResult<SyncResult>> SyncAsync(string? countryCode, int pageSize, string? provider = null, CancellationToken cancellationToken = default) =>
        pageSize is < 1 or > 1000
            ? Task.FromResult(ProxyKitResult.Failure<SyncResult>(ExternalSocksErrorCodes.InvalidRequest, "page_size must be 1-1000."))
            : _sync.SyncAsync(provider, string.IsNullOrWhiteSpace(countryCode) ? null : countryCode.Trim().ToUpperInvariant(), pageSize, cancellationToken);

    /// <summary>Gets the most recent sync (complete or not), or <see langword="null"/> before the first.</summary>
    public Task<SyncResult?> GetLastSyncAsync(CancellationToken cancellationToken = default) => _store.LastSyncAsync(completeOnly: false, cancellationToken);

    /// <summary>Removes proxies for sale that the provider reports offline; reserved and sold ones stay. Returns how many.</summary>
    public Task<int> CleanupAsync(CancellationToken cancellationToken = default) => _store.RemoveOfflineAsync(cancellationToken);

    /// <summary>Computes the sales statistics.</summary>
    public Task<SalesStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default) => _store.GetStatisticsAsync(cancellationToken);
}
