namespace ProxyKit.ExternalSocks.Orders;

/// <summary>A purchase of an external proxy.</summary>
/// <param name="OrderId">The order id (<c>ORD-</c> + 20 characters).</param>
/// <param name="UserId">The buyer.</param>
/// <param name="ProductId">The inventory item bought.</param>
/// <param name="Provider">The provider that sold it.</param>
/// <param name="ProxyId">The provider's id of the proxy.</param>
/// <param name="PriceCents">The price charged, in cents.</param>
/// <param name="State"><c>pending</c> (being bought or resolved), <c>completed</c>, <c>failed</c> or <c>refunded</c>.</param>
/// <param name="Failure">Why it failed, if it did.</param>
/// <param name="Credentials">The proxy's credentials, once completed.</param>
/// <param name="CreatedAt">When the order was placed.</param>
/// <param name="CompletedAt">When the purchase completed (the refund window starts here).</param>
/// <param name="RefundedAt">When it was refunded.</param>
public sealed record ExternalOrder(
    string OrderId,
    Guid UserId,
    long ProductId,
    string Provider,
    long ProxyId,
    long PriceCents,
    string State,
    string? Failure,
    ExternalCredentials? Credentials,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    DateTimeOffset? RefundedAt);

/// <summary>How to use a bought proxy (the seed's <c>credentials</c>).</summary>
/// <param name="Ip">Address.</param>
/// <param name="Port">Port.</param>
/// <param name="Login">SOCKS5 user name.</param>
/// <param name="Password">SOCKS5 password (stored sealed).</param>
/// <param name="Country">Country name.</param>
/// <param name="Isp">Internet provider, if known.</param>
/// <param name="CredentialsId">The provider's id of the purchase.</param>
public sealed record ExternalCredentials(string Ip, int Port, string Login, string Password, string Country, string? Isp, long CredentialsId)
{
    /// <inheritdoc />
    public override string ToString() => $"ExternalCredentials {{ Ip = {Ip}, Port = {Port}, Login = {Login}, Password = *** }}";
}

/// <summary>The states an order reports.</summary>
public static class ExternalOrderStates
{
    /// <summary>Being bought, or its outcome is being resolved with the provider.</summary>
    public const string Pending = "pending";

    /// <summary>Bought and charged: credentials available.</summary>
    public const string Completed = "completed";

    /// <summary>Not bought and not charged.</summary>
    public const string Failed = "failed";

    /// <summary>Bought, charged, then refunded.</summary>
    public const string Refunded = "refunded";
}
