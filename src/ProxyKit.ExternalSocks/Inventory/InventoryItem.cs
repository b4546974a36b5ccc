namespace ProxyKit.ExternalSocks.Inventory;

/// <summary>A proxy for sale (the seed's product).</summary>
/// <param name="ProductId">The id users buy by.</param>
/// <param name="Provider">The provider selling it.</param>
/// <param name="ProxyId">The provider's id of the proxy.</param>
/// <param name="Country">Country name.</param>
/// <param name="CountryCode">ISO country code.</param>
/// <param name="City">City, if known.</param>
/// <param name="Isp">Internet provider, if known.</param>
/// <param name="Speed">Speed as the provider reports it, if known.</param>
/// <param name="Type"><c>residential</c>, <c>mobile</c> or <c>hosting</c>.</param>
/// <param name="Status">The provider's status (1 online).</param>
public sealed record InventoryItem(
    long ProductId, string Provider, long ProxyId, string Country, string CountryCode, string? City, string? Isp, int? Speed, string Type, int Status);

/// <summary>Filters and page of the inventory listing (<c>GET /api/external-proxy/list</c>).</summary>
public sealed record InventoryQuery
{
    /// <summary>Gets the ISO country code to match.</summary>
    public string? CountryCode { get; init; }

    /// <summary>Gets the city to match (case-insensitive).</summary>
    public string? City { get; init; }

    /// <summary>Gets the type to match: <c>residential</c>, <c>mobile</c> or <c>hosting</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Gets the ISP to match (case-insensitive substring).</summary>
    public string? Isp { get; init; }

    /// <summary>Gets the lowest speed to include.</summary>
    public int? MinSpeed { get; init; }

    /// <summary>Gets the zero-based page. Defaults to 0.</summary>
    public int Page { get; init; }

    /// <summary>Gets the page size, 1-500. Defaults to 50.</summary>
    public int PageSize { get; init; } = 50;
}

/// <summary>One page of the inventory.</summary>
/// <param name="Items">The proxies for sale.</param>
/// <param name="Total">How many match in all pages.</param>
/// <param name="Page">The page.</param>
/// <param name="PageSize">The page size.</param>
public sealed record InventoryPage(IReadOnlyList<InventoryItem> Items, int Total, int Page, int PageSize);

/// <summary>The result of one sync (the seed's shape plus what was removed and whether the listing was complete).</summary>
/// <param name="Provider">The provider synced.</param>
/// <param name="TotalFetched">Proxies fetched.</param>
/// <param name="TotalAvailableExternal">Proxies the provider reported online (matching the filter).</param>
/// <param name="Added">New proxies added to the inventory.</param>
/// <param name="Updated">Known proxies whose details changed.</param>
/// <param name="Skipped">Known proxies unchanged.</param>
/// <param name="Removed">Available proxies no longer listed, removed (only after a complete listing).</param>
/// <param name="Complete">Whether every page was fetched; an incomplete listing removes nothing.</param>
/// <param name="SyncTime">When the sync finished.</param>
/// <param name="Error">Why the listing is incomplete, if it is.</param>
public sealed record SyncResult(
    string Provider, int TotalFetched, int TotalAvailableExternal, int Added, int Updated, int Skipped, int Removed, bool Complete, DateTimeOffset SyncTime, string? Error);

/// <summary>Sales figures (the seed's <c>GET /api/external-proxy/stats</c>).</summary>
/// <param name="TotalInventory">Proxies for sale now.</param>
/// <param name="TotalSold">Orders completed (refunded ones included).</param>
/// <param name="TotalRefunded">Orders refunded.</param>
/// <param name="RevenueCents">Price of completed orders not refunded, in cents.</param>
/// <param name="CountriesAvailable">Distinct countries for sale now.</param>
/// <param name="LastSync">When the last complete sync finished, if any.</param>
public sealed record SalesStatistics(int TotalInventory, int TotalSold, int TotalRefunded, long RevenueCents, int CountriesAvailable, DateTimeOffset? LastSync);
