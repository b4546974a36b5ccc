namespace ProxyKit.Accounts.Users;

/// <summary>The expected ways an accounts request is refused. None of them is retried by repeating the same request.</summary>
public enum AccountError
{
    /// <summary>The email is not a plausible address (HTTP 422).</summary>
    InvalidEmail,

    /// <summary>The display name is empty, longer than 100 characters or holds control characters (HTTP 422).</summary>
    InvalidDisplayName,

    /// <summary>Another user registered the same email, compared case-insensitively (HTTP 409).</summary>
    EmailTaken,

    /// <summary>The key label is empty, longer than 64 characters or holds control characters (HTTP 422).</summary>
    InvalidLabel,

    /// <summary>There is no user with the given id (HTTP 404).</summary>
    UserNotFound,
}
