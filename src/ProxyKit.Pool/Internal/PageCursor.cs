using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ProxyKit.Secrets;

namespace ProxyKit.Pool.Internal;

/// <summary>
/// Where a keyset page ended, as an opaque token: the query it belongs to (a fingerprint of filters and sort), the
/// snapshot instant of its first page, the total counted then, and the last row's sort key (a double's bits, or UTC
/// ticks for instants) and id. Signed with a
/// keyed MAC, so an altered or forged cursor is refused rather than silently reinterpreted.
/// </summary>
internal sealed record PageCursor(ulong QueryFingerprint, DateTimeOffset SnapshotAt, long TotalCount, long LastKeyBits, string LastId)
{
    private const byte Version = 1;
    private const int MacLength = 16;
    private const string Purpose = "pool.page-cursor";

    public string Encode(SecretProtector protector)
    {
        var id = Encoding.UTF8.GetBytes(LastId);
        var body = new byte[1 + 8 + 8 + 8 + 8 + 2 + id.Length + MacLength];
        var span = body.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(span[1..], QueryFingerprint);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], SnapshotAt.UtcTicks);
        BinaryPrimitives.WriteInt64LittleEndian(span[17..], TotalCount);
        BinaryPrimitives.WriteInt64LittleEndian(span[25..], LastKeyBits);
        BinaryPrimitives.WriteUInt16LittleEndian(span[33..], checked((ushort)id.Length));
        id.CopyTo(span[35..]);
        Span<byte> mac = stackalloc byte[32];
        protector.Sign(Purpose, span[..^MacLength], mac);
        mac[..MacLength].CopyTo(span[^MacLength..]);
        return Base64Url.EncodeToString(body);
    }

    /// <summary>Reads a cursor; <see langword="null"/> when it is malformed, altered or was signed under another key.</summary>
    public static PageCursor? TryDecode(string text, SecretProtector protector)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 512)
        {
            return null;
        }

        byte[] body;
        try
        {
            body = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }

        if (body.Length < 35 + MacLength || body[0] != Version)
        {
            return null;
        }

        var span = body.AsSpan();
        Span<byte> mac = stackalloc byte[32];
        protector.Sign(Purpose, span[..^MacLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], span[^MacLength..]))
        {
            return null;
        }

        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(span[33..]);
        if (35 + idLength + MacLength != body.Length)
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64LittleEndian(span[9..]);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return null;
        }

        return new PageCursor(
            BinaryPrimitives.ReadUInt64LittleEndian(span[1..]),
            new DateTimeOffset(ticks, TimeSpan.Zero),
            BinaryPrimitives.ReadInt64LittleEndian(span[17..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[25..]),
            Encoding.UTF8.GetString(span.Slice(35, idLength)));
    }

    /// <summary>A stable 64-bit fingerprint of a query's canonical text (filters and sort, not the page size).</summary>
    public static ulong Fingerprint(string canonicalQuery)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonicalQuery), hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }
}
