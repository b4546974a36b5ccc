using System.Runtime.CompilerServices;

namespace ProxyKit.WireGuard.Keys;

/// <summary>The 32 bytes of a Curve25519 key, held inline so key structs compare by value and never allocate.</summary>
[InlineArray(WireGuardKeyBytes.Length)]
internal struct WireGuardKeyBytes
{
    public const int Length = 32;

    private byte _first;

    public static WireGuardKeyBytes From(ReadOnlySpan<byte> bytes, string paramName)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A WireGuard key is {Length} bytes (was {bytes.Length}).", paramName);
        }

        var key = default(WireGuardKeyBytes);
        bytes.CopyTo(key);
        return key;
    }

    public static bool TryParseBase64(string? text, out WireGuardKeyBytes key)
    {
        key = default;
        Span<byte> buffer = stackalloc byte[33];
        return text is { Length: 44 } && Convert.TryFromBase64String(text, buffer, out var written) && written == Length && Copy(buffer[..Length], out key);
    }

    public static bool TryParseHex(string? text, out WireGuardKeyBytes key)
    {
        key = default;
        if (text is not { Length: 64 })
        {
            return false;
        }

        try
        {
            return Copy(Convert.FromHexString(text), out key);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Copy(ReadOnlySpan<byte> bytes, out WireGuardKeyBytes key)
    {
        key = default;
        bytes.CopyTo(key);
        return true;
    }
}
