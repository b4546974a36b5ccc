using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// Finds countries in a user-supplied CSV of IP ranges: one <c>start,end,country</c> line per range (IPv4 or IPv6,
/// inclusive; blank lines, <c>#</c> comments and a <c>start,end,country</c> header are skipped). Immutable and
/// thread-safe once loaded; lookups are a binary search. Overlapping ranges: the one starting last before the address wins.
/// </summary>
public sealed class CsvGeoResolver : IGeoResolver
{
    private readonly UInt128[] _starts;
    private readonly UInt128[] _ends;
    private readonly string[] _countries;

    private CsvGeoResolver(List<(UInt128 Start, UInt128 End, string Country)> ranges)
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        _starts = [.. ranges.Select(r => r.Start)];
        _ends = [.. ranges.Select(r => r.End)];
        _countries = [.. ranges.Select(r => r.Country)];
    }

    /// <summary>Gets the number of ranges loaded.</summary>
    public int Count => _starts.Length;

    /// <summary>Loads the CSV file at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">A line is not <c>start,end,country</c> with two addresses of one family, start &lt;= end.</exception>
    public static CsvGeoResolver Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = new StreamReader(path);
        return Parse(reader);
    }

    /// <summary>Reads ranges from <paramref name="reader"/>.</summary>
    /// <exception cref="FormatException">A line is not <c>start,end,country</c> with two addresses of one family, start &lt;= end.</exception>
    public static CsvGeoResolver Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var ranges = new List<(UInt128, UInt128, string)>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#' || text.StartsWith("start,", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length < 3
                || !IPAddress.TryParse(parts[0].Trim('"'), out var start)
                || !IPAddress.TryParse(parts[1].Trim('"'), out var end)
                || Normalize(start).AddressFamily != Normalize(end).AddressFamily)
            {
                throw new FormatException($"Geo database line {number.ToString(CultureInfo.InvariantCulture)} is not start,end,country with two addresses of one family.");
            }

            var (startKey, endKey) = (Key(start), Key(end));
            var country = parts[2].Trim('"').ToUpperInvariant();
            if (startKey > endKey || country.Length is < 2 or > 3)
            {
                throw new FormatException($"Geo database line {number.ToString(CultureInfo.InvariantCulture)} has start after end or a country that is not a 2-letter code.");
            }

            ranges.Add((startKey, endKey, country));
        }

        return new CsvGeoResolver(ranges);
    }

    /// <inheritdoc />
    public string? Resolve(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = Key(address);
        var index = Array.BinarySearch(_starts, key);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && _ends[index] >= key ? _countries[index] : null;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    // IPv4 ranges live in ::ffff:0:0/96 of the IPv6 space, so one sorted array holds both families without overlap.
    private static UInt128 Key(IPAddress address)
    {
        address = Normalize(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            address.TryWriteBytes(bytes[12..], out _);
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
        }

        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
