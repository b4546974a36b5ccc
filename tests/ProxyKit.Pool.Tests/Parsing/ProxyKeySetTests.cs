using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

public sealed class ProxyKeySetTests
{
    [Fact]
    public void Add_ManyKeysAcrossSegments_KeepsOrderAndRefusesRepeats()
    {
        const int Count = 70_000; // several 16,384-key segments and table growths
        var set = new ProxyKeySet();

        for (var i = 0; i < Count; i++)
        {
            set.Add(Key(i)).ShouldBeTrue();
        }

        for (var i = Count - 1; i >= 0; i--)
        {
            set.Add(Key(i)).ShouldBeFalse();
        }

        set.Count.ShouldBe(Count);
        for (var i = 0; i < Count; i += 997)
        {
            set[i].Equals(Key(i)).ShouldBeTrue();
        }
    }

    [Fact]
    public void Add_KeysDifferingInOneField_AreAllKept()
    {
        var set = new ProxyKeySet();
        var ipv4 = new ProxyAddress(ProxyAddressKind.IPv4, 0xC0000201);
        ProxyKey[] keys =
        [
            new(ipv4, 80, -1, -1, -1),
            new(new ProxyAddress(ProxyAddressKind.IPv6, 0xC0000201), 80, -1, -1, -1),
            new(new ProxyAddress(ProxyAddressKind.Text, 0xC0000201), 80, -1, -1, -1),
            new(new ProxyAddress(ProxyAddressKind.IPv6, UInt128.One << 100), 80, -1, -1, -1),
            new(ipv4, 81, -1, -1, -1),
            new(ipv4, 80, 0, -1, -1),
            new(ipv4, 80, -1, 4, -1),
            new(ipv4, 80, -1, -1, 4),
        ];

        foreach (var key in keys)
        {
            set.Add(key).ShouldBeTrue();
        }

        set.Count.ShouldBe(keys.Length);
    }

    private static ProxyKey Key(int i) => new(new ProxyAddress(ProxyAddressKind.IPv4, (uint)i * 2654435761u), 1024 + (i % 3), i % 4 - 1, -1, -1);
}
