using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace ProxyKit.Pool.Parsing;

/// <summary>How a <see cref="ProxyAddress"/> holds its address.</summary>
internal enum ProxyAddressKind : byte
{
    /// <summary>A canonical dotted quad, as its 32-bit value.</summary>
    IPv4,

    /// <summary>An IPv6 address, as its 128-bit value (its canonical text is RFC 5952).</summary>
    IPv6,

    /// <summary>Any other text (a plug-in's host name, a non-canonical address), as a <see cref="ProxyStringTable"/> id.</summary>
    Text,
}

/// <summary>
/// An IP address as a number rather than a string, so parsers can find and de-duplicate proxies without allocating
/// text for every address; <see cref="ToString"/> gives the canonical text (contract rule 1).
/// </summary>
internal readonly record struct ProxyAddress(ProxyAddressKind Kind, UInt128 Value)
{
    /// <summary>
    /// Parses canonical IPv4 text: four parts of 1-3 digits, each 0-255, no leading zeros. Any other form fails, so the
    /// text of an accepted address is already its canonical text.
    /// </summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var parts = 0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var value = 0u;
            while (i < text.Length && char.IsAsciiDigit(text[i]) && i - start < 3)
            {
                value = (value * 10) + (uint)(text[i] - '0');
                i++;
            }

            var length = i - start;
            if (length == 0 || value > 255 || (length > 1 && text[start] == '0'))
            {
                return false;
            }

            address = (address << 8) | value;
            parts++;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != '.' || parts == 4)
            {
                return false;
            }

            i++;
            if (i == text.Length)
            {
                return false;
            }
        }

        return parts == 4;
    }

    /// <summary>Parses IPv6 text (no brackets, no zone).</summary>
    public static bool TryParseIPv6(ReadOnlySpan<char> text, out ProxyAddress address)
    {
        address = default;
        if (text.Contains('%') || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out _);
        address = new ProxyAddress(ProxyAddressKind.IPv6, BinaryPrimitives.ReadUInt128BigEndian(bytes));
        return true;
    }

    /// <summary>
    /// The address that <paramref name="text"/> is the canonical text of, or <see langword="false"/> when it is not
    /// canonical: so a string from <see cref="ParsedProxy.Ip"/> and the same address parsed from a list share one key.
    /// </summary>
    public static bool TryFromCanonicalText(string text, out ProxyAddress address)
    {
        if (TryParseIPv4(text, out var ipv4))
        {
            address = new ProxyAddress(ProxyAddressKind.IPv4, ipv4);
            return true;
        }

        // Only IPv6 text that formats back to itself: "2001:DB8::1" is another string, hence another proxy, as before.
        if (text.Contains(':') && TryParseIPv6(text, out address) && string.Equals(address.ToString(), text, StringComparison.Ordinal))
        {
            return true;
        }

        address = default;
        return false;
    }

    /// <summary>The canonical text: a dotted quad, or RFC 5952 IPv6 without brackets (a text address has none: its id is in a table).</summary>
    public override string ToString()
    {
        switch (Kind)
        {
            case ProxyAddressKind.IPv4:
                var value = (uint)Value;
                return string.Create(CultureInfo.InvariantCulture, $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}");
            case ProxyAddressKind.IPv6:
                Span<byte> bytes = stackalloc byte[16];
                BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
                return new IPAddress(bytes).ToString(); // RFC 5952: lowercase, zero-compressed
            default:
                throw new InvalidOperationException("A text address is held by its string table.");
        }
    }
}
