using System.Net;

namespace ProxyKit.Relay.Egress;

/// <summary>Where a client asked to go: a name or an address, and a port.</summary>
public readonly record struct RelayTarget
{
    private RelayTarget(string? host, IPAddress? address, int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Host = host;
        Address = address;
        Port = port;
    }

    /// <summary>Gets the name to resolve, when the client gave one.</summary>
    public string? Host { get; }

    /// <summary>Gets the literal address, when the client gave one.</summary>
    public IPAddress? Address { get; }

    /// <summary>Gets the port.</summary>
    public int Port { get; }

    /// <summary>A target given by name.</summary>
    public static RelayTarget ForHost(string host, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) ? new RelayTarget(null, address, port) : new RelayTarget(host, null, port);
    }

    /// <summary>A target given by address.</summary>
    public static RelayTarget ForAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new RelayTarget(null, address, port);
    }

    /// <inheritdoc />
    public override string ToString() => Host is not null
        ? $"{Host}:{Port}"
        : Address!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
