namespace ProxyKit.Accounts.Users;

/// <summary>A registered user (the <c>user</c> object of <c>POST /auth/register</c> and <c>GET /account</c>).</summary>
/// <param name="Id">The user id (a GUID in "D" format).</param>
/// <param name="Email">The email address as registered (trimmed; its case is kept).</param>
/// <param name="DisplayName">The display name (trimmed).</param>
/// <param name="CreatedAt">When the user registered (UTC).</param>
public sealed record AccountUser(string Id, string Email, string DisplayName, DateTimeOffset CreatedAt);
