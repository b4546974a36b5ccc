using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Numerics;

namespace ProxyKit.WireGuard;

/// <summary>A server's tunnel subnet: the server holds the first host address, client slot <c>n</c> the next <c>n</c>-th.</summary>
internal sealed class WireGuardSubnet
{
    // Slots beyond this are not useful to one interface and keep the arithmetic in ints.
    private const int MaxClientAddresses = 65_534;

    private WireGuardSubnet(IPNetwork network, int clientAddresses)
    {
        Network = network;
        ClientAddresses = clientAddresses;
    }

    public IPNetwork Network { get; }

    /// <summary>Gets how many addresses clients can have (the network address, the server's and an IPv4 broadcast excluded).</summary>
    public int ClientAddresses { get; }

    public int PrefixLength => Network.PrefixLength;

    public IPAddress ServerAddress => Offset(1);

    /// <summary>The address of client slot <paramref name="slot"/> (1-based).</summary>
    public IPAddress ClientAddress(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slot, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slot, ClientAddresses);
        return Offset(1 + slot);
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out WireGuardSubnet? subnet, [NotNullWhen(false)] out string? error)
    {
        subnet = null;
        if (!IPNetwork.TryParse(text, out var network))
        {
            error = $"'{text}' is not a network in CIDR form (for example 10.8.0.0/24).";
            return false;
        }

        var hostBits = (network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128) - network.PrefixLength;
        var size = BigInteger.One << hostBits;
        var ipv4 = network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        var clients = size - (ipv4 ? 3 : 2); // network address, server, IPv4 broadcast
        if (clients < 1)
        {
            error = $"'{text}' has no room for a server and a client (use a /30 or larger).";
            return false;
        }

        subnet = new WireGuardSubnet(network, (int)BigInteger.Min(clients, MaxClientAddresses));
        error = null;
        return true;
    }

    private IPAddress Offset(int offset)
    {
        var bytes = Network.BaseAddress.GetAddressBytes();
        var carry = offset;
        for (var i = bytes.Length - 1; i >= 0 && carry > 0; i--)
        {
            var sum = bytes[i] + (carry & 0xFF);
            bytes[i] = (byte)sum;
            carry = (carry >> 8) + (sum >> 8);
        }

        return new IPAddress(bytes);
    }
}
