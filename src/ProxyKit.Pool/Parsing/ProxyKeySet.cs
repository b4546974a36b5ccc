namespace ProxyKit.Pool.Parsing;

/// <summary>
/// The unique <see cref="ProxyKey"/>s of one parse, in insertion order. Unlike a <see cref="HashSet{T}"/> beside a
/// <see cref="List{T}"/>, each key is stored once, in fixed-size segments that are never copied as the set grows; the
/// open-addressing table holds only hash and index, so growing it rehashes without touching the keys.
/// </summary>
internal sealed class ProxyKeySet
{
    private const int SegmentShift = 14; // 16,384 keys a segment
    private const int SegmentMask = (1 << SegmentShift) - 1;

    private readonly List<ProxyKey[]> _segments = [];

    // Slot: the key's hash in the high 32 bits and its index + 1 in the low 32 bits; 0 is empty. At most half full.
    private ulong[] _slots = new ulong[32];

    private ulong _touched;

    public int Count { get; private set; }

    public ref readonly ProxyKey this[int index] => ref _segments[index >> SegmentShift][index & SegmentMask];

    /// <summary>
    /// Touches the table slot of each key: the loads are independent, so the processor overlaps their cache misses, and
    /// the <see cref="Add"/> calls that follow find the slots in cache. Only a hint; a later growth simply makes it moot.
    /// </summary>
    public void Prefetch(ReadOnlySpan<ProxyKey> keys)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        ulong touched = 0;
        foreach (ref readonly var key in keys)
        {
            touched |= slots[key.GetHashCode() & mask];
        }

        _touched = touched; // kept so the loads are not optimised away
    }

    /// <summary>Adds <paramref name="key"/> unless an equal key is present.</summary>
    /// <returns>Whether it was added.</returns>
    public bool Add(in ProxyKey key)
    {
        var hash = (uint)key.GetHashCode();
        var mask = _slots.Length - 1;
        var i = (int)hash & mask;
        for (var slot = _slots[i]; slot != 0; slot = _slots[i])
        {
            if ((uint)(slot >> 32) == hash && this[(int)(uint)slot - 1].Equals(key))
            {
                return false;
            }

            i = (i + 1) & mask;
        }

        var index = Count;
        var segment = index >> SegmentShift;
        if (segment == _segments.Count)
        {
            _segments.Add(new ProxyKey[segment == 0 ? 16 : 1 << SegmentShift]);
        }
        else if (segment == 0 && index == _segments[0].Length)
        {
            // The first segment starts small and doubles up to full size, so a short list costs little.
            var first = _segments[0];
            Array.Resize(ref first, index * 2);
            _segments[0] = first;
        }

        _segments[segment][index & SegmentMask] = key;
        _slots[i] = ((ulong)hash << 32) | (uint)(index + 1);
        Count = index + 1;
        if (Count > _slots.Length / 2)
        {
            Grow();
        }

        return true;
    }

    private void Grow()
    {
        var slots = new ulong[_slots.Length * 2];
        var mask = slots.Length - 1;
        foreach (var slot in _slots)
        {
            if (slot != 0)
            {
                var i = (int)(slot >> 32) & mask;
                while (slots[i] != 0)
                {
                    i = (i + 1) & mask;
                }

                slots[i] = slot;
            }
        }

        _slots = slots;
    }
}
