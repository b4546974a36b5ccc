using ProxyKit.Relay.Instances;

namespace ProxyKit.Relay.Tests.Instances;

public sealed class AddressPermutationTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    public void Permute_WholeSmallDomain_IsABijection(int bits)
    {
        var permutation = new AddressPermutation(Key, bits);
        var size = (int)permutation.DomainSize;

        var images = Enumerable.Range(0, size).Select(i => permutation.Permute((UInt128)i)).ToList();

        images.ShouldAllBe(v => v < permutation.DomainSize);
        images.Distinct().Count().ShouldBe(size);
    }

    [Fact]
    public void Permute_64BitDomain_SpreadsConsecutiveIndexesAndIsKeyed()
    {
        var permutation = new AddressPermutation(Key, 64);
        var other = new AddressPermutation(Key.Reverse().ToArray(), 64);

        var images = Enumerable.Range(0, 1000).Select(i => permutation.Permute((UInt128)i)).ToList();

        images.Distinct().Count().ShouldBe(1000);
        images.Count(v => v < (UInt128.One << 48)).ShouldBeLessThan(5, "consecutive indexes land all over the 64-bit space");
        other.Permute(0).ShouldNotBe(permutation.Permute(0));
        permutation.Permute(42).ShouldBe(new AddressPermutation(Key, 64).Permute(42), "the same key gives the same sequence after a restart");
    }

    [Fact]
    public void Constructor_ShortKeyOrBadWidth_Throws()
    {
        Should.Throw<ArgumentException>(() => new AddressPermutation(new byte[8], 64));
        Should.Throw<ArgumentOutOfRangeException>(() => new AddressPermutation(Key, 1));
        Should.Throw<ArgumentOutOfRangeException>(() => new AddressPermutation(Key, 127));
        Should.Throw<ArgumentOutOfRangeException>(() => new AddressPermutation(Key, 8).Permute(256));
    }
}
