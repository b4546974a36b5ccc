namespace ProxyKit.Accounts.Keys;

/// <summary>Who a verified API key belongs to (the result of <see cref="ApiKeyService.VerifyAsync"/>).</summary>
/// <param name="UserId">The owner's user id.</param>
/// <param name="KeyId">The key's id.</param>
/// <param name="Prefix">The key's displayable prefix (<c>pp_a1b2c</c>).</param>
public sealed record ApiKeyIdentity(string UserId, string KeyId, string Prefix);
