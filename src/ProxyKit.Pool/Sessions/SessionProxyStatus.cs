namespace ProxyKit.Pool.Sessions;

/// <summary>The states an operator sets on a session proxy or a session.</summary>
public static class SessionProxyStatus
{
    /// <summary>In rotation.</summary>
    public const string Active = "active";

    /// <summary>Out of rotation until set active again.</summary>
    public const string Disabled = "disabled";

    /// <summary>Gets whether <paramref name="status"/> is <c>active</c> or <c>disabled</c>.</summary>
    public static bool IsValid(string? status) => status is Active or Disabled;
}
