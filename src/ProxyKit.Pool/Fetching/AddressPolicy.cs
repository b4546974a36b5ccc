using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Pool.Fetching;

/// <summary>Classifies addresses a source may not be fetched from unless <see cref="SourceFetchOptions.AllowPrivateAddresses"/> is on.</summary>
internal static class AddressPolicy
{
    /// <summary>
    /// Gets whether <paramref name="address"/> is internal: unspecified or "this network" (0/8, ::), loopback (127/8, ::1),
    /// private (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10), link-local (169.254/16, fe80::/10),
    /// IETF protocol assignments (192.0.0/24, incl. some cloud metadata), benchmarking (198.18/15), multicast
    /// (224/4, ff00::/8), reserved and broadcast (240/4), unique-local (fc00::/7) or site-local (fec0::/10).
    /// IPv6 forms that embed an IPv4 address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4
    /// 2002::/16) are judged by that IPv4 address. Anything that is neither IPv4 nor IPv6 counts as internal.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && length == 4)
        {
            return IsInternalV4(bytes[..4]);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || length != 16)
        {
            return true;
        }

        var v6 = bytes[..16];
        if (v6[..10].IndexOfAnyExcept((byte)0) < 0 && ((v6[10] == 0 && v6[11] == 0) || (v6[10] == 0xff && v6[11] == 0xff)))
        {
            return IsInternalV4(v6[12..]); // ::a.b.c.d (incl. :: and ::1) and ::ffff:a.b.c.d
        }

        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return IsInternalV4(v6[12..]); // NAT64 well-known prefix
        }

        if (v6[0] == 0x20 && v6[1] == 0x02)
        {
            return IsInternalV4(v6[2..6]); // 6to4
        }

        return (v6[0] & 0xfe) == 0xfc // unique-local fc00::/7
            || (v6[0] == 0xfe && (v6[1] & 0x80) == 0x80) // link-local fe80::/10 and site-local fec0::/10
            || v6[0] == 0xff; // multicast
    }

    private static bool IsInternalV4(ReadOnlySpan<byte> b) =>
        b[0] is 0 or 10 or 127
        || b[0] >= 224 // multicast 224/4, reserved 240/4, broadcast
        || (b[0] == 100 && (b[1] & 0xc0) == 64) // 100.64/10
        || (b[0] == 169 && b[1] == 254)
        || (b[0] == 172 && (b[1] & 0xf0) == 16)
        || (b[0] == 192 && b[1] == 168)
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)
        || (b[0] == 198 && (b[1] & 0xfe) == 18);
}
