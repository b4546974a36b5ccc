using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ProxyKit.Accounts.Keys;

/// <summary>The SHA-256 of an API key: what the store keeps (as lower-case hex) and what the cache is keyed by.</summary>
internal readonly struct KeyHash : IEquatable<KeyHash>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private KeyHash(ReadOnlySpan<byte> digest)
    {
        _a = BinaryPrimitives.ReadUInt64LittleEndian(digest);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(digest[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(digest[24..]);
    }

    /// <summary>Hashes a well-formed key (ASCII) without allocating.</summary>
    public static KeyHash Of(ReadOnlySpan<char> key)
    {
        Debug.Assert(key.Length == ApiKeyFormat.Length, "Only well-formed keys are hashed.");
        Span<byte> ascii = stackalloc byte[ApiKeyFormat.Length];
        for (var i = 0; i < ascii.Length; i++)
        {
            ascii[i] = (byte)key[i];
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(ascii, digest);
        CryptographicOperations.ZeroMemory(ascii);
        return new KeyHash(digest);
    }

    /// <summary>Gets the lower-case hex form stored in <c>accounts_api_keys.key_hash</c>.</summary>
    public string ToHex()
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(digest, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(digest[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(digest[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(digest[24..], _d);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Compares <paramref name="storedHex"/> with this hash's hex form in constant time.</summary>
    public bool MatchesHex(string storedHex) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(storedHex.AsSpan()), MemoryMarshal.AsBytes(ToHex().AsSpan()));

    /// <summary>Compares without branching on where two hashes differ.</summary>
    public bool Equals(KeyHash other) => ((_a ^ other._a) | (_b ^ other._b) | (_c ^ other._c) | (_d ^ other._d)) == 0;

    public override bool Equals(object? obj) => obj is KeyHash other && Equals(other);

    // SHA-256 output is uniformly distributed: any 32 bits of it are a good hash code.
    public override int GetHashCode() => (int)_a;

    public static bool operator ==(KeyHash left, KeyHash right) => left.Equals(right);

    public static bool operator !=(KeyHash left, KeyHash right) => !left.Equals(right);
}
