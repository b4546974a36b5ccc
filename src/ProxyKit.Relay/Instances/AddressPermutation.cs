using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ProxyKit.Relay.Instances;

/// <summary>
/// A keyed pseudo-random permutation of the integers [0, 2^bits): a 4-round Feistel network (HMAC-SHA256 round
/// function) over two halves of ceil(bits/2) bits, with cycle-walking back into the domain. Numbering allocations
/// 0, 1, 2, ... and permuting the number gives addresses that look random, are spread over the whole prefix, and
/// can never repeat while the counter never repeats — without storing every address ever used.
/// </summary>
internal sealed class AddressPermutation
{
    private const int Rounds = 4;
    private readonly byte[] _key;
    private readonly int _bits;
    private readonly int _halfBits;
    private readonly UInt128 _halfMask;

    public AddressPermutation(ReadOnlySpan<byte> key, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 126);
        if (key.Length < 16)
        {
            throw new ArgumentException("The permutation key must be at least 16 bytes.", nameof(key));
        }

        _key = key.ToArray();
        _bits = bits;
        _halfBits = (bits + 1) / 2;
        _halfMask = (UInt128.One << _halfBits) - 1;
    }

    /// <summary>Gets the domain size, 2^bits.</summary>
    public UInt128 DomainSize => UInt128.One << _bits;

    /// <summary>Maps <paramref name="index"/> (below <see cref="DomainSize"/>) to its unique image in the same domain.</summary>
    public UInt128 Permute(UInt128 index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, DomainSize);
        var value = index;
        do
        {
            value = Encrypt(value); // cycle-walk: the Feistel domain is at most twice the real one
        }
        while (value >= DomainSize);

        return value;
    }

    private UInt128 Encrypt(UInt128 value)
    {
        var left = (value >> _halfBits) & _halfMask;
        var right = value & _halfMask;
        Span<byte> input = stackalloc byte[17];
        Span<byte> hash = stackalloc byte[32];
        for (var round = 0; round < Rounds; round++)
        {
            input[0] = (byte)round;
            BinaryPrimitives.WriteUInt128BigEndian(input[1..], right);
            HMACSHA256.HashData(_key, input, hash);
            var f = BinaryPrimitives.ReadUInt128BigEndian(hash) & _halfMask;
            (left, right) = (right, left ^ f);
        }

        return (left << _halfBits) | right;
    }
}
