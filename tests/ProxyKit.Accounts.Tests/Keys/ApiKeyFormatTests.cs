using ProxyKit.Accounts.Keys;

namespace ProxyKit.Accounts.Tests.Keys;

public sealed class ApiKeyFormatTests
{
    private static readonly char[] Substitutes = [.. ApiKeyFormat.Alphabet, '_', '-', ' ', '.', 'é', '\0'];

    [Fact]
    public void Generate_Keys_PrefixLengthAlphabetChecksumAndDisplayPrefix()
    {
        for (var i = 0; i < 1_000; i++)
        {
            var key = ApiKeyFormat.Generate();

            key.Length.ShouldBe(51);
            key.ShouldStartWith("pp_");
            key[3..].ShouldAllBe(c => char.IsAsciiLetterOrDigit(c));
            ApiKeyFormat.IsWellFormed(key).ShouldBeTrue(key);
            ApiKeyFormat.DisplayPrefix(key).ShouldBe(key[..8]);
        }
    }

    [Fact]
    public void Generate_100kKeys_AllDistinctAndEverySymbolEquallyLikely()
    {
        var keys = Enumerable.Range(0, 100_000).Select(_ => ApiKeyFormat.Generate()).ToList();

        keys.Distinct(StringComparer.Ordinal).Count().ShouldBe(keys.Count);
        keys.Select(k => k[3..45]).Distinct(StringComparer.Ordinal).Count().ShouldBe(keys.Count, "the random parts alone are unique");

        // 4.2M random characters: each of the 62 symbols is expected 67,742 times (sd ~ 257); 5% is far outside chance.
        var counts = keys.SelectMany(k => k[3..45]).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        counts.Count.ShouldBe(62);
        var expected = keys.Count * 42 / 62.0;
        counts.Values.ShouldAllBe(n => Math.Abs(n - expected) < expected * 0.05);
    }

    [Fact]
    public void IsWellFormed_EverySingleCharacterSubstitution_Rejected()
    {
        var accepted = 0;
        var tried = 0;
        for (var k = 0; k < 200; k++)
        {
            var key = ApiKeyFormat.Generate().ToCharArray();
            for (var position = 0; position < key.Length; position++)
            {
                var original = key[position];
                foreach (var substitute in Substitutes)
                {
                    if (substitute == original)
                    {
                        continue;
                    }

                    key[position] = substitute;
                    tried++;
                    accepted += ApiKeyFormat.IsWellFormed(key) ? 1 : 0;
                }

                key[position] = original;
            }
        }

        tried.ShouldBeGreaterThan(600_000);
        accepted.ShouldBe(0, "CRC-32 detects every single-character error in the random part, and any change to the checksum part mismatches");
    }

    [Fact]
    public void IsWellFormed_EveryAdjacentTransposition_Rejected()
    {
        var accepted = new List<string>();
        for (var k = 0; k < 2_000; k++)
        {
            var key = ApiKeyFormat.Generate();
            for (var i = 0; i < key.Length - 1; i++)
            {
                if (key[i] == key[i + 1])
                {
                    continue;
                }

                var swapped = key.ToCharArray();
                (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
                if (ApiKeyFormat.IsWellFormed(swapped))
                {
                    accepted.Add(new string(swapped));
                }
            }
        }

        accepted.ShouldBeEmpty();
    }

    [Fact]
    public void IsWellFormed_InsertedOrDeletedCharacter_Rejected()
    {
        var key = ApiKeyFormat.Generate();
        for (var i = 0; i < key.Length; i++)
        {
            ApiKeyFormat.IsWellFormed(key.Remove(i, 1)).ShouldBeFalse();
            ApiKeyFormat.IsWellFormed(key.Insert(i, "a")).ShouldBeFalse();
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pp_")]
    [InlineData("Bearer pp_")]
    public void IsWellFormed_NotAKey_False(string? value) => ApiKeyFormat.IsWellFormed(value).ShouldBeFalse();

    [Fact]
    public void IsWellFormed_RightChecksumWrongFrame_False()
    {
        var key = ApiKeyFormat.Generate();

        ApiKeyFormat.IsWellFormed("PP_" + key[3..]).ShouldBeFalse();
        ApiKeyFormat.IsWellFormed("pk_" + key[3..]).ShouldBeFalse();
        ApiKeyFormat.IsWellFormed(key + "\n").ShouldBeFalse();
        ApiKeyFormat.IsWellFormed(" " + key).ShouldBeFalse();
        ApiKeyFormat.IsWellFormed(key.ToUpperInvariant()).ShouldBeFalse();
        ApiKeyFormat.IsWellFormed(key).ShouldBeTrue();
    }

    [Fact]
    public void Crc32_StandardCheckValue_Matches() =>
        ApiKeyFormat.Crc32("123456789").ShouldBe(0xCBF43926u); // the CRC-32/ISO-HDLC check value

    [Fact]
    public void IsWellFormed_ChecksumIsBase62OfCrc32LeftPadded()
    {
        var body = new string('a', 42);
        var crc = ApiKeyFormat.Crc32(body);
        var checksum = new char[6];
        for (var i = 5; i >= 0; i--)
        {
            checksum[i] = ApiKeyFormat.Alphabet[(int)(crc % 62)];
            crc /= 62;
        }

        ApiKeyFormat.IsWellFormed("pp_" + body + new string(checksum)).ShouldBeTrue();
    }

    [Fact]
    public void NewApiKey_ToString_RedactsTheKey()
    {
        var key = ApiKeyFormat.Generate();
        var created = new NewApiKey("id-1", key, key[..8], "default", DateTimeOffset.UnixEpoch);

        created.ToString().ShouldNotContain(key[3..]);
        created.ToString().ShouldContain("redacted");
        created.ToString().ShouldContain(key[..8]);
    }
}
