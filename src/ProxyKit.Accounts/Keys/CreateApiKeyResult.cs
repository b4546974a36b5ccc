using System.Diagnostics.CodeAnalysis;
using ProxyKit.Accounts.Users;

namespace ProxyKit.Accounts.Keys;

/// <summary>The outcome of <see cref="ApiKeyService.CreateKeyAsync"/>: the new key, or why not.</summary>
/// <param name="ApiKey">The new key, when created.</param>
/// <param name="Error"><see cref="AccountError.InvalidLabel"/> or <see cref="AccountError.UserNotFound"/>, when refused.</param>
/// <param name="Message">A one-line, client-safe explanation of <paramref name="Error"/>.</param>
public sealed record CreateApiKeyResult(NewApiKey? ApiKey, AccountError? Error = null, string? Message = null)
{
    /// <summary>Gets whether the key was created (then <see cref="ApiKey"/> is set).</summary>
    [MemberNotNullWhen(true, nameof(ApiKey))]
    public bool Succeeded => ApiKey is not null;
}
