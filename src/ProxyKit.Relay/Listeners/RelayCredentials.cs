namespace ProxyKit.Relay.Listeners;

/// <summary>The username and password a listener requires (SOCKS5 RFC 1929, HTTP <c>Proxy-Authorization: Basic</c>).</summary>
/// <param name="Username">1-255 bytes of UTF-8.</param>
/// <param name="Password">1-255 bytes of UTF-8; a secret, never logged.</param>
public sealed record RelayCredentials(string Username, string Password)
{
    /// <inheritdoc />
    public override string ToString() => $"RelayCredentials {{ Username = {Username}, Password = *** }}";
}
