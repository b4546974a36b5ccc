namespace ProxyKit.ExternalSocks.Provider;

/// <summary>
/// An external SOCKS5 provider's API. Expected refusals and outages are <see cref="ExternalSocksProviderException"/>s whose
/// <see cref="ExternalSocksProviderException.Kind"/> says what happened — above all whether a purchase may have gone
/// through (<see cref="ProviderErrorKind.OutcomeUnknown"/>).
/// </summary>
public interface IExternalSocksProvider
{
    /// <summary>Gets the provider's name (inventory rows and orders remember it).</summary>
    string Name { get; }

    /// <summary>Lists one page of the proxies the provider has online.</summary>
    Task<ProviderProxyPage> ListOnlineAsync(ProviderListQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Buys a proxy. Never retried once the request may have reached the provider: a failure after that point is
    /// <see cref="ProviderErrorKind.OutcomeUnknown"/>, resolved later from <see cref="ListPurchasedAsync"/>.
    /// </summary>
    Task<ProviderPurchase> BuyAsync(long proxyId, CancellationToken cancellationToken = default);

    /// <summary>Lists the proxies this account bought at or after <paramref name="since"/> (all when null).</summary>
    Task<IReadOnlyList<ProviderPurchase>> ListPurchasedAsync(DateTimeOffset? since, CancellationToken cancellationToken = default);

    /// <summary>Gets the status of a bought proxy (1 = online).</summary>
    Task<int> GetPurchasedStatusAsync(long credentialsId, CancellationToken cancellationToken = default);

    /// <summary>Gets the account's balance at the provider, in US dollars.</summary>
    Task<decimal> GetBalanceAsync(CancellationToken cancellationToken = default);
}

/// <summary>What to list.</summary>
/// <param name="CountryCode">ISO country code filter.</param>
/// <param name="City">City filter.</param>
/// <param name="Type"><c>residential</c>, <c>mobile</c> or <c>hosting</c>.</param>
/// <param name="Page">Zero-based page.</param>
/// <param name="PageSize">Items per page, 1-1000.</param>
public sealed record ProviderListQuery(string? CountryCode = null, string? City = null, string? Type = null, int Page = 0, int PageSize = 100);

/// <summary>A proxy the provider offers.</summary>
/// <param name="ProxyId">The provider's id of the proxy.</param>
/// <param name="Country">Country name.</param>
/// <param name="CountryCode">ISO country code.</param>
/// <param name="City">City, if known.</param>
/// <param name="Isp">Internet provider, if known.</param>
/// <param name="Speed">Speed as the provider reports it (kbit/s), if known.</param>
/// <param name="Mobile">Whether it is a mobile connection.</param>
/// <param name="Hosting">Whether it is a hosting (datacenter) address.</param>
/// <param name="Status">1 when online.</param>
public sealed record ProviderProxy(
    long ProxyId, string Country, string CountryCode, string? City, string? Isp, int? Speed, bool Mobile, bool Hosting, int Status)
{
    /// <summary>Gets the type the filters use: <c>mobile</c>, <c>hosting</c>, else <c>residential</c>.</summary>
    public string Type => Mobile ? "mobile" : Hosting ? "hosting" : "residential";
}

/// <summary>One page of the provider's online proxies.</summary>
/// <param name="Items">The proxies.</param>
/// <param name="Total">How many match in all pages.</param>
/// <param name="Page">The page.</param>
/// <param name="PageSize">The page size.</param>
public sealed record ProviderProxyPage(IReadOnlyList<ProviderProxy> Items, int Total, int Page, int PageSize);

/// <summary>A bought proxy with its credentials.</summary>
/// <param name="CredentialsId">The provider's id of the purchase.</param>
/// <param name="ProxyId">The proxy bought.</param>
/// <param name="Ip">Address to connect to.</param>
/// <param name="Port">Port to connect to.</param>
/// <param name="Login">SOCKS5 user name.</param>
/// <param name="Password">SOCKS5 password (a secret).</param>
/// <param name="BoughtAt">When the provider recorded the sale.</param>
public sealed record ProviderPurchase(long CredentialsId, long ProxyId, string Ip, int Port, string Login, string Password, DateTimeOffset BoughtAt)
{
    /// <inheritdoc />
    public override string ToString() => $"ProviderPurchase {{ CredentialsId = {CredentialsId}, ProxyId = {ProxyId}, Ip = {Ip}, Port = {Port}, Login = {Login}, Password = *** }}";
}

/// <summary>Why a provider call failed.</summary>
public enum ProviderErrorKind
{
    /// <summary>No base URL (or token) is configured: the seed's "client not initialized".</summary>
    NotConfigured,

    /// <summary>The provider refused the token (401/403).</summary>
    Unauthorized,

    /// <summary>The provider account cannot pay for the purchase (the seed's "insufficient balance on external API").</summary>
    InsufficientBalance,

    /// <summary>The proxy is sold or offline at the provider (definitely not bought).</summary>
    SoldOut,

    /// <summary>The proxy or purchase does not exist at the provider.</summary>
    NotFound,

    /// <summary>The provider is unreachable, failing, rate-limiting or the circuit is open; nothing was bought.</summary>
    Unavailable,

    /// <summary>A purchase request may have reached the provider but no answer came back: it may or may not have been sold.</summary>
    OutcomeUnknown,
}

/// <summary>A provider call that failed for a reason named by <see cref="Kind"/>.</summary>
public sealed class ExternalSocksProviderException : ProxyKitException
{
    /// <summary>Creates the exception.</summary>
    public ExternalSocksProviderException(ProviderErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException, isTransient: kind is ProviderErrorKind.Unavailable)
    {
        Kind = kind;
    }

    /// <summary>Gets why the call failed.</summary>
    public ProviderErrorKind Kind { get; }
}
