namespace ProxyKit.ExternalSocks;

/// <summary>Error codes of the resale operations (seed 003's upper-case style, as the accounts API they share).</summary>
public static class ExternalSocksErrorCodes
{
    /// <summary>A field is missing or invalid (HTTP 400).</summary>
    public const string InvalidRequest = "INVALID_REQUEST";

    /// <summary>No base URL is configured: the seed's "client not initialized" (HTTP 503).</summary>
    public const string ClientNotInitialized = "CLIENT_NOT_INITIALIZED";

    /// <summary>The provider account cannot pay: the seed's "insufficient balance on external API" (HTTP 503).</summary>
    public const string ProviderInsufficientBalance = "PROVIDER_INSUFFICIENT_BALANCE";

    /// <summary>The provider is unreachable or failing (HTTP 503).</summary>
    public const string ProviderUnavailable = "PROVIDER_UNAVAILABLE";

    /// <summary>The provider refused our token (HTTP 502).</summary>
    public const string ProviderUnauthorized = "PROVIDER_UNAUTHORIZED";

    /// <summary>Another host is syncing this provider (HTTP 409).</summary>
    public const string SyncInProgress = "SYNC_IN_PROGRESS";

    /// <summary>The product does not exist (HTTP 404).</summary>
    public const string ProductNotFound = "PRODUCT_NOT_FOUND";

    /// <summary>The product is reserved, sold or offline (HTTP 409).</summary>
    public const string ProductUnavailable = "PRODUCT_UNAVAILABLE";

    /// <summary>The user's USD balance does not cover the price (HTTP 402).</summary>
    public const string InsufficientFunds = "INSUFFICIENT_FUNDS";

    /// <summary>The order does not exist or is another user's (HTTP 404).</summary>
    public const string OrderNotFound = "ORDER_NOT_FOUND";

    /// <summary>The order is not a completed purchase (failed, or still pending) (HTTP 409).</summary>
    public const string OrderNotRefundable = "ORDER_NOT_REFUNDABLE";

    /// <summary>The refund window (1 hour from purchase) has passed (HTTP 409).</summary>
    public const string RefundWindowExpired = "REFUND_WINDOW_EXPIRED";

    /// <summary>The provider reports the proxy online: refunds are only for offline proxies (HTTP 409).</summary>
    public const string ProxyOnline = "PROXY_ONLINE";

    /// <summary>The order was refunded already (HTTP 409).</summary>
    public const string AlreadyRefunded = "ALREADY_REFUNDED";

    /// <summary>No provider of that name is registered (HTTP 400).</summary>
    public const string UnknownProvider = "UNKNOWN_PROVIDER";
}
