using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ProxyKit.WireGuard.Keys;

/// <summary>
/// A WireGuard (Curve25519) private key: 32 bytes. A secret: <see cref="ToString"/> is redacted; the base64 form is only
/// given by <see cref="ToBase64"/>, for the one response or configuration that must carry it.
/// </summary>
public readonly struct WireGuardPrivateKey : IEquatable<WireGuardPrivateKey>
{
    private readonly WireGuardKeyBytes _bytes;

    /// <summary>Creates a key from its 32 bytes (used as given; <c>wg genkey</c> clamps, X25519 clamps again when used).</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public WireGuardPrivateKey(ReadOnlySpan<byte> bytes) => _bytes = WireGuardKeyBytes.From(bytes, nameof(bytes));

    private WireGuardPrivateKey(WireGuardKeyBytes bytes) => _bytes = bytes;

    /// <summary>Gets a copy of the key's 32 bytes.</summary>
    public byte[] ToArray() => ((ReadOnlySpan<byte>)_bytes).ToArray();

    /// <summary>Gets the public key (X25519 of the base point), as <c>wg pubkey</c> computes it.</summary>
    public WireGuardPublicKey PublicKey
    {
        get
        {
            var input = ToArray();
            var output = new byte[WireGuardKeyBytes.Length];
            X25519.ScalarMultBase(input, 0, output, 0);
            Array.Clear(input);
            return new WireGuardPublicKey(output);
        }
    }

    /// <summary>Parses the base64 form (44 characters).</summary>
    /// <exception cref="FormatException"><paramref name="base64"/> is not a base64-encoded 32-byte key (the message never echoes it).</exception>
    public static WireGuardPrivateKey Parse(string base64) =>
        TryParse(base64, out var key) ? key : throw new FormatException("A WireGuard private key is 32 bytes in base64 (44 characters).");

    /// <summary>Parses the base64 form (44 characters) without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? base64, out WireGuardPrivateKey key)
    {
        var ok = WireGuardKeyBytes.TryParseBase64(base64, out var bytes);
        key = new WireGuardPrivateKey(bytes);
        return ok;
    }

    /// <summary>Gets the base64 form: the secret itself.</summary>
    public string ToBase64() => Convert.ToBase64String(_bytes);

    /// <summary>Gets the lowercase hex form (UAPI): the secret itself.</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);

    /// <inheritdoc />
    public bool Equals(WireGuardPrivateKey other) => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WireGuardPrivateKey other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => PublicKey.GetHashCode();

    /// <summary>Redacted: private keys never reach logs.</summary>
    public override string ToString() => "WireGuardPrivateKey(***)";

    /// <summary>Compares two keys by value.</summary>
    public static bool operator ==(WireGuardPrivateKey left, WireGuardPrivateKey right) => left.Equals(right);

    /// <summary>Compares two keys by value.</summary>
    public static bool operator !=(WireGuardPrivateKey left, WireGuardPrivateKey right) => !left.Equals(right);
}
