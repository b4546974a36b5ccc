using System.Net;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.Servers;

/// <summary>A configured server with its key pair resolved.</summary>
internal sealed record WireGuardServer(
    string Id,
    int Port,
    WireGuardKeyPair KeyPair,
    string? Interface,
    bool ManageInterface,
    WireGuardSubnet Subnet,
    int Capacity,
    IReadOnlyList<IPAddress> Dns,
    IReadOnlyList<IPNetwork> AllowedIps)
{
    public override string ToString() => $"WireGuardServer {{ Id = {Id}, Interface = {Interface} }}";
}
