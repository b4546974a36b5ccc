using System.Security.Cryptography;

namespace ProxyKit.Accounts.Keys;

/// <summary>
/// The shape of ProxyKit API keys: <c>pp_</c> followed by 48 base62 characters, of which the first 42 come from a
/// CSPRNG (about 250 bits) and the last 6 are a CRC-32 of those 42, base62-encoded and left-padded with <c>0</c>.
/// </summary>
/// <remarks>
/// The checksum lets a typo, a truncated paste or a secret scanner's hit be told apart from a real key without a
/// database lookup: CRC-32 detects every single-character substitution and every swap of two adjacent characters in
/// the random part, and a change in the checksum part never matches. It is not a secret and proves nothing about a
/// key's validity; only the store does.
/// </remarks>
public static class ApiKeyFormat
{
    /// <summary>The literal every key starts with.</summary>
    public const string Prefix = "pp_";

    /// <summary>The length of a key: <c>pp_</c> + 48 characters.</summary>
    public const int Length = 51;

    /// <summary>The length of the displayable prefix of a key (<c>pp_a1b2c</c>), shown in key listings to tell keys apart.</summary>
    public const int DisplayPrefixLength = 8;

    /// <summary>The base62 alphabet of the body and the checksum.</summary>
    internal const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Random characters after the prefix.</summary>
    internal const int RandomLength = 42;

    /// <summary>Checksum characters at the end.</summary>
    internal const int ChecksumLength = 6;

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>
    /// Gets whether <paramref name="key"/> has the shape of a ProxyKit API key: the <c>pp_</c> prefix, 51 characters,
    /// the base62 alphabet and a matching checksum. Runs in memory; a well-formed key may still be unknown or revoked.
    /// </summary>
    /// <param name="key">The presented key (a <see langword="null"/> string is empty and not well formed).</param>
    public static bool IsWellFormed(ReadOnlySpan<char> key)
    {
        if (key.Length != Length || !key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var body = key[Prefix.Length..];
        foreach (var c in body)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        Span<char> expected = stackalloc char[ChecksumLength];
        WriteChecksum(body[..RandomLength], expected);
        return body[RandomLength..].SequenceEqual(expected);
    }

    /// <summary>Draws a new key from the operating system's CSPRNG.</summary>
    internal static string Generate()
    {
        return string.Create(Length, 0, static (chars, _) =>
        {
            Prefix.CopyTo(chars);
            var random = chars.Slice(Prefix.Length, RandomLength);
            RandomNumberGenerator.GetItems(Alphabet, random);
            WriteChecksum(random, chars[(Prefix.Length + RandomLength)..]);
        });
    }

    /// <summary>Gets the displayable prefix of a well-formed key (<c>pp_a1b2c</c>).</summary>
    internal static string DisplayPrefix(string key) => key[..DisplayPrefixLength];

    /// <summary>CRC-32 (IEEE 802.3, as zlib) of ASCII characters.</summary>
    internal static uint Crc32(ReadOnlySpan<char> ascii)
    {
        var crc = 0xFFFF_FFFFu;
        foreach (var c in ascii)
        {
            crc = CrcTable[(crc ^ (byte)c) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static void WriteChecksum(ReadOnlySpan<char> random, Span<char> destination)
    {
        var value = Crc32(random);
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
