using System.Net;
using ProxyKit.WireGuard.Config;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.Allocation;

/// <summary>A key handed to a client (the seed's allocate response).</summary>
/// <param name="ServerIp">The server's public address (<c>server_ip</c>).</param>
/// <param name="ServerPort">Its port (<c>server_port</c>).</param>
/// <param name="ServerPublicKey">Its public key (<c>server_pubkey</c>).</param>
/// <param name="PrivateKey">The client's private key — returned once, kept by the server only with <see cref="WireGuardOptions.KeepClientPrivateKeys"/>.</param>
/// <param name="PublicKey">The client's public key: what releases it.</param>
/// <param name="InternalIp">The client's tunnel address.</param>
/// <param name="Config">The client configuration (render it with <see cref="WireGuardClientConfig.Render"/>).</param>
/// <param name="AllocatedAt">When the key was allocated.</param>
/// <param name="Existing">Whether this is the client's existing key handed back (<see cref="WireGuardOptions.ReturnExistingKey"/>).</param>
public sealed record WireGuardAllocation(
    string ServerIp,
    int ServerPort,
    WireGuardPublicKey ServerPublicKey,
    WireGuardPrivateKey PrivateKey,
    WireGuardPublicKey PublicKey,
    IPAddress InternalIp,
    WireGuardClientConfig Config,
    DateTimeOffset AllocatedAt,
    bool Existing)
{
    /// <summary>Redacted: the private key never reaches logs.</summary>
    public override string ToString() => $"WireGuardAllocation {{ ServerIp = {ServerIp}, PublicKey = {PublicKey}, InternalIp = {InternalIp} }}";
}

/// <summary>Key usage of one server or of all (the seed's status response).</summary>
/// <param name="TotalKeys">Keys the server(s) can have in use at once.</param>
/// <param name="KeysInUse">Keys in use.</param>
/// <param name="KeysAvailable">Keys that can still be allocated.</param>
/// <param name="ActiveConnections">The keys in use, oldest first.</param>
public sealed record WireGuardStatus(int TotalKeys, int KeysInUse, int KeysAvailable, IReadOnlyList<WireGuardConnection> ActiveConnections);

/// <summary>A key in use.</summary>
/// <param name="ServerIp">Its server.</param>
/// <param name="InternalIp">Its tunnel address.</param>
/// <param name="AssignedTo">The client it was allocated to (its IP address).</param>
/// <param name="AssignedAt">When it was allocated.</param>
/// <param name="Duration">How long it has been in use.</param>
/// <param name="LastHandshake">The client's last handshake the server saw, if any.</param>
public sealed record WireGuardConnection(string ServerIp, IPAddress InternalIp, string AssignedTo, DateTimeOffset AssignedAt, TimeSpan Duration, DateTimeOffset? LastHandshake);

/// <summary>The error codes of <see cref="WireGuardKeyService"/>.</summary>
public static class WireGuardErrorCodes
{
    /// <summary>Every slot of the chosen server (or of every server) is in use. The seed's message: "No available VPN keys".</summary>
    public const string NoAvailableKeys = "NO_AVAILABLE_KEYS";

    /// <summary>The key is unknown or already released. The seed's message: "Key not found or not in use".</summary>
    public const string KeyNotFound = "KEY_NOT_FOUND";

    /// <summary>No server is configured with that address.</summary>
    public const string UnknownServer = "UNKNOWN_SERVER";

    /// <summary>The client holds <see cref="WireGuardOptions.MaxKeysPerClient"/> keys already.</summary>
    public const string ClientLimitReached = "CLIENT_LIMIT_REACHED";

    /// <summary>The public key is not a base64 WireGuard key.</summary>
    public const string InvalidPublicKey = "INVALID_PUBLIC_KEY";
}
