using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ProxyKit.Windows.Internal;

// Blittable mirrors of the netioapi.h / ws2ipdef.h types the assigner uses. Their sizes and field offsets are asserted
// against the documented x64 layout in IpHelperLayoutTests, so a wrong field here fails on Linux, not on a customer's host.

/// <summary>Win32 error codes returned by the IP Helper functions used here.</summary>
internal static class Win32Error
{
    public const uint Success = 0;
    public const uint FileNotFound = 2;          // GetUnicastIpAddressEntry: the interface LUID is not on this host
    public const uint AccessDenied = 5;
    public const uint NotSupported = 50;         // no IPv6 stack
    public const uint InvalidParameter = 87;     // ConvertInterfaceAliasToLuid: no such alias
    public const uint NotFound = 1168;           // the address (or the interface) is not there
    public const uint ObjectAlreadyExists = 5010;
}

/// <summary><c>NET_LUID</c>: the interface's locally unique identifier (a 64-bit union).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NetLuid : IEquatable<NetLuid>
{
    public ulong Value;

    public NetLuid(ulong value) => Value = value;

    public readonly bool Equals(NetLuid other) => Value == other.Value;

    public override readonly bool Equals(object? obj) => obj is NetLuid other && Equals(other);

    public override readonly int GetHashCode() => Value.GetHashCode();

    public override readonly string ToString() => $"0x{Value:x16}";
}

/// <summary><c>SOCKADDR_IN6</c> (28 bytes). The address bytes are in network order, as <see cref="IPAddress.GetAddressBytes"/> gives them.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockAddrIn6
{
    /// <summary>AF_INET6 as Windows numbers it (Linux uses 10).</summary>
    public const ushort AfInet6 = 23;

    public ushort Family;
    public ushort Port;
    public uint FlowInfo;
    public fixed byte Address[16];
    public uint ScopeId;

    public static SockAddrIn6 FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("Only IPv6 addresses are assigned.", nameof(address));
        }

        var result = new SockAddrIn6 { Family = AfInet6, ScopeId = (uint)address.ScopeId };
        address.TryWriteBytes(new Span<byte>(result.Address, 16), out _);
        return result;
    }

    /// <summary>Gets whether both hold the same IPv6 address (scope and port aside).</summary>
    public readonly bool SameAddressAs(in SockAddrIn6 other)
    {
        fixed (byte* mine = Address)
        fixed (byte* theirs = other.Address)
        {
            return Family == other.Family && new ReadOnlySpan<byte>(mine, 16).SequenceEqual(new ReadOnlySpan<byte>(theirs, 16));
        }
    }

    public readonly IPAddress ToIPAddress()
    {
        fixed (byte* bytes = Address)
        {
            return new IPAddress(new ReadOnlySpan<byte>(bytes, 16), ScopeId);
        }
    }
}

/// <summary><c>SOCKADDR_INET</c>: a union of <c>SOCKADDR_IN</c>, <c>SOCKADDR_IN6</c> and the family (28 bytes, 4-aligned). Only the IPv6 arm is used.</summary>
[StructLayout(LayoutKind.Explicit, Size = 28)]
internal struct SockAddrInet
{
    [FieldOffset(0)]
    public SockAddrIn6 Ipv6;

    [FieldOffset(0)]
    public ushort Family;

    public static SockAddrInet FromIPAddress(IPAddress address) => new() { Ipv6 = SockAddrIn6.FromIPAddress(address) };

    /// <summary>Gets the address, or <see langword="null"/> when the row is not IPv6.</summary>
    public readonly IPAddress? ToIPAddress() => Family == SockAddrIn6.AfInet6 ? Ipv6.ToIPAddress() : null;
}

/// <summary><c>NL_PREFIX_ORIGIN</c>.</summary>
internal enum NlPrefixOrigin
{
    Other = 0,
    Manual = 1,
    WellKnown = 2,
    Dhcp = 3,
    RouterAdvertisement = 4,
    Unchanged = 16,
}

/// <summary><c>NL_SUFFIX_ORIGIN</c>.</summary>
internal enum NlSuffixOrigin
{
    Other = 0,
    Manual = 1,
    WellKnown = 2,
    Dhcp = 3,
    LinkLayerAddress = 4,
    Random = 5,
    Unchanged = 16,
}

/// <summary><c>NL_DAD_STATE</c>: where an address is in duplicate address detection.</summary>
internal enum NlDadState
{
    Invalid = 0,
    Tentative = 1,
    Duplicate = 2,
    Deprecated = 3,
    Preferred = 4,
}

/// <summary><c>MIB_NOTIFICATION_TYPE</c>.</summary>
internal enum MibNotificationType
{
    ParameterNotification = 0,
    AddInstance = 1,
    DeleteInstance = 2,
    InitialNotification = 3,
}

/// <summary><c>MIB_UNICASTIPADDRESS_ROW</c> (80 bytes on 64-bit Windows).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MibUnicastIpAddressRow
{
    /// <summary>The value of an infinite <see cref="ValidLifetime"/> or <see cref="PreferredLifetime"/>.</summary>
    public const uint InfiniteLifetime = 0xffffffff;

    public SockAddrInet Address;
    public NetLuid InterfaceLuid;
    public uint InterfaceIndex;
    public NlPrefixOrigin PrefixOrigin;
    public NlSuffixOrigin SuffixOrigin;
    public uint ValidLifetime;
    public uint PreferredLifetime;
    public byte OnLinkPrefixLength;
    public byte SkipAsSource; // BOOLEAN
    public NlDadState DadState;
    public uint ScopeId; // SCOPE_ID: Zone (28 bits) and Level (4 bits)
    public long CreationTimeStamp; // LARGE_INTEGER
}

/// <summary><c>MIB_UNICASTIPADDRESS_TABLE</c>: a count, then (8-aligned) that many rows starting at <see cref="Table"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MibUnicastIpAddressTable
{
    public uint NumEntries;
    public MibUnicastIpAddressRow Table; // Table[ANY_SIZE]
}
