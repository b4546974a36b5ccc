using System.Diagnostics.CodeAnalysis;

namespace ProxyKit.WireGuard.Keys;

/// <summary>A WireGuard (Curve25519) public key: 32 bytes, written as 44 characters of base64 as <c>wg</c> does.</summary>
public readonly struct WireGuardPublicKey : IEquatable<WireGuardPublicKey>
{
    private readonly WireGuardKeyBytes _bytes;

    /// <summary>Creates a key from its 32 bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public WireGuardPublicKey(ReadOnlySpan<byte> bytes) => _bytes = WireGuardKeyBytes.From(bytes, nameof(bytes));

    private WireGuardPublicKey(WireGuardKeyBytes bytes) => _bytes = bytes;

    /// <summary>Gets a copy of the key's 32 bytes.</summary>
    public byte[] ToArray() => ((ReadOnlySpan<byte>)_bytes).ToArray();

    /// <summary>Parses the base64 form (44 characters).</summary>
    /// <exception cref="FormatException"><paramref name="base64"/> is not a base64-encoded 32-byte key.</exception>
    public static WireGuardPublicKey Parse(string base64) =>
        TryParse(base64, out var key) ? key : throw new FormatException("A WireGuard public key is 32 bytes in base64 (44 characters).");

    /// <summary>Parses the base64 form (44 characters) without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? base64, out WireGuardPublicKey key)
    {
        var ok = WireGuardKeyBytes.TryParseBase64(base64, out var bytes);
        key = new WireGuardPublicKey(bytes);
        return ok;
    }

    /// <summary>Parses the lowercase hex form used by the UAPI control protocol.</summary>
    /// <exception cref="FormatException"><paramref name="hex"/> is not 64 hex digits.</exception>
    public static WireGuardPublicKey FromHex(string hex) =>
        WireGuardKeyBytes.TryParseHex(hex, out var bytes) ? new WireGuardPublicKey(bytes) : throw new FormatException("A WireGuard key in hex is 64 digits.");

    /// <summary>Gets the base64 form.</summary>
    public string ToBase64() => Convert.ToBase64String(_bytes);

    /// <summary>Gets the lowercase hex form (UAPI).</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);

    /// <inheritdoc />
    public bool Equals(WireGuardPublicKey other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WireGuardPublicKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>Gets the base64 form (public keys are not secret).</summary>
    public override string ToString() => ToBase64();

    /// <summary>Compares two keys by value.</summary>
    public static bool operator ==(WireGuardPublicKey left, WireGuardPublicKey right) => left.Equals(right);

    /// <summary>Compares two keys by value.</summary>
    public static bool operator !=(WireGuardPublicKey left, WireGuardPublicKey right) => !left.Equals(right);
}
