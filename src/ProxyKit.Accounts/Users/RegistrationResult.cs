using System.Diagnostics.CodeAnalysis;
using ProxyKit.Accounts.Keys;

namespace ProxyKit.Accounts.Users;

/// <summary>The outcome of <see cref="ApiKeyService.RegisterAsync"/>: the new user and their first key, or why not.</summary>
/// <param name="User">The new user, when registered.</param>
/// <param name="ApiKey">The user's first key (label <c>default</c>), when registered. Its <see cref="NewApiKey.Key"/> is shown once and never again.</param>
/// <param name="Error">Why registration was refused, when it was.</param>
/// <param name="Message">A one-line, client-safe explanation of <paramref name="Error"/>.</param>
public sealed record RegistrationResult(AccountUser? User, NewApiKey? ApiKey, AccountError? Error = null, string? Message = null)
{
    /// <summary>Gets whether the user was registered (then <see cref="User"/> and <see cref="ApiKey"/> are set).</summary>
    [MemberNotNullWhen(true, nameof(User), nameof(ApiKey))]
    public bool Succeeded => User is not null && ApiKey is not null;

    internal static RegistrationResult Failed(AccountError error, string message) => new(null, null, error, message);
}
