namespace ProxyKit.Pool.Sessions;

/// <summary>The states of a session proxy and of a session.</summary>
internal static class SessionProxyStatus
{
    public const string Active = "active";
    public const string Disabled = "disabled";

    public static bool IsValid(string? status) => status is Active or Disabled;
}
