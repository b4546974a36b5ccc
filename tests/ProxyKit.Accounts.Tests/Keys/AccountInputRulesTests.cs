using ProxyKit.Accounts.Users;

namespace ProxyKit.Accounts.Tests.Keys;

public sealed class AccountInputRulesTests
{
    [Theory]
    [InlineData("user@example.com", "user@example.com", "user@example.com")]
    [InlineData("  Alice.Smith+tag@Sub.Example.co.uk ", "Alice.Smith+tag@Sub.Example.co.uk", "alice.smith+tag@sub.example.co.uk")]
    [InlineData("o'brien@example.ie", "o'brien@example.ie", "o'brien@example.ie")]
    public void TryNormalizeEmail_PlausibleAddress_TrimmedAndLowerCasedKey(string email, string trimmed, string normalized)
    {
        AccountInputRules.TryNormalizeEmail(email, out var actualTrimmed, out var actualNormalized).ShouldBeTrue();

        actualTrimmed.ShouldBe(trimmed);
        actualNormalized.ShouldBe(normalized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("plain")]
    [InlineData("@example.com")]
    [InlineData("user@")]
    [InlineData("user@@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("user name@example.com")]
    [InlineData("user@exa mple.com")]
    [InlineData("user@localhost")]
    [InlineData("user@.example.com")]
    [InlineData("user@example.com.")]
    [InlineData("user@example..com")]
    [InlineData("user@-example.com")]
    [InlineData("Alice <alice@example.com>")]
    [InlineData("user\u0000@example.com")]
    [InlineData("us\ter@example.com")]
    public void TryNormalizeEmail_NotAPlainAddress_False(string? email) =>
        AccountInputRules.TryNormalizeEmail(email, out _, out _).ShouldBeFalse();

    [Fact]
    public void TryNormalizeEmail_Lengths_LocalPartAtMost64AddressAtMost254()
    {
        var domain = "@" + string.Join('.', Enumerable.Repeat(new string('d', 60), 4)) + ".com"; // 1 + 243 + 4

        AccountInputRules.TryNormalizeEmail(new string('a', 64) + "@example.com", out _, out _).ShouldBeTrue();
        AccountInputRules.TryNormalizeEmail(new string('a', 65) + "@example.com", out _, out _).ShouldBeFalse();
        AccountInputRules.TryNormalizeEmail(new string('a', 254 - domain.Length) + domain, out _, out _).ShouldBeTrue();
        AccountInputRules.TryNormalizeEmail(new string('a', 255 - domain.Length) + domain, out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("Alice", "Alice")]
    [InlineData("  Zoë Ångström  ", "Zoë Ångström")]
    [InlineData("李小龍", "李小龍")]
    public void TryNormalizeDisplayName_Text_Trimmed(string name, string expected)
    {
        AccountInputRules.TryNormalizeDisplayName(name, out var trimmed).ShouldBeTrue();

        trimmed.ShouldBe(expected);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Al\u0007ice")]
    [InlineData("line\nbreak")]
    [InlineData("\u202Eecila")]
    public void TryNormalizeDisplayName_EmptyControlOrSpoofing_False(string? name) =>
        AccountInputRules.TryNormalizeDisplayName(name, out _).ShouldBeFalse();

    [Fact]
    public void TryNormalizeDisplayName_LoneSurrogate_False()
    {
        // Built here: xunit would turn a lone surrogate in [InlineData] into U+FFFD before the test saw it.
        AccountInputRules.TryNormalizeDisplayName("lone " + '\uD800' + " surrogate", out _).ShouldBeFalse();
        AccountInputRules.TryNormalizeDisplayName("reversed " + '\uDC00' + '\uD800', out _).ShouldBeFalse();
    }

    [Fact]
    public void TryNormalizeDisplayName_Length_CountsCharactersNotUtf16Units()
    {
        AccountInputRules.TryNormalizeDisplayName(new string('x', 100), out _).ShouldBeTrue();
        AccountInputRules.TryNormalizeDisplayName(new string('x', 101), out _).ShouldBeFalse();
        AccountInputRules.TryNormalizeDisplayName(string.Concat(Enumerable.Repeat("😀", 100)), out _).ShouldBeTrue();
        AccountInputRules.TryNormalizeDisplayName(string.Concat(Enumerable.Repeat("😀", 101)), out _).ShouldBeFalse();
    }

    [Fact]
    public void TryNormalizeLabel_Length_1To64()
    {
        AccountInputRules.TryNormalizeLabel(new string('l', 64), out _).ShouldBeTrue();
        AccountInputRules.TryNormalizeLabel(new string('l', 65), out _).ShouldBeFalse();
        AccountInputRules.TryNormalizeLabel(" ", out _).ShouldBeFalse();
        AccountInputRules.TryNormalizeLabel(" ci ", out var trimmed).ShouldBeTrue();
        trimmed.ShouldBe("ci");
    }
}
