using ProxyKit.Relay.Listeners;

namespace ProxyKit.Relay.Tests.Listeners;

public sealed class RelayCredentialsTests
{
    [Fact]
    public void Verify_FromPlainPassword_AcceptsOnlyTheExactPair()
    {
        var credentials = new RelayCredentials("alice", "s3cret");

        credentials.Verify("alice", "s3cret").ShouldBeTrue();
        credentials.Verify("alice", "s3cret ").ShouldBeFalse();
        credentials.Verify("Alice", "s3cret").ShouldBeFalse();
        credentials.Verify("bob", "s3cret").ShouldBeFalse();
    }

    [Fact]
    public void PasswordHash_IsSaltedPbkdf2_AndNeverContainsThePassword()
    {
        var first = new RelayCredentials("alice", "s3cret-password");
        var second = new RelayCredentials("alice", "s3cret-password");

        first.PasswordHash.ShouldStartWith("pbkdf2-sha256$100000$");
        first.PasswordHash.ShouldNotContain("s3cret");
        first.PasswordHash.ShouldNotBe(second.PasswordHash, "each hash has its own salt");
        first.ToString().ShouldNotContain("s3cret");
    }

    [Fact]
    public void FromHash_VerifiesTheOriginalPassword_BeforeAndAfterTheFirstSuccess()
    {
        var stored = new RelayCredentials("jürgen", "pässwört").PasswordHash;
        var restored = RelayCredentials.FromHash("jürgen", stored);

        restored.Verify("jürgen", "wrong").ShouldBeFalse("a wrong guess before any success is checked with the derived hash");
        restored.Verify("jürgen", "pässwört").ShouldBeTrue();
        restored.Verify("jürgen", "wrong").ShouldBeFalse("a wrong guess after a success is checked with the cached verifier");
        restored.Verify("jürgen", "pässwört").ShouldBeTrue();
        restored.PasswordHash.ShouldBe(stored);
    }

    [Theory]
    [InlineData("")]
    [InlineData("md5$1$abc$def")]
    [InlineData("pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$not base64$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA")]
    public void FromHash_SomethingElse_IsRefusedNamingTheArgument(string hash) =>
        Should.Throw<ArgumentException>(() => RelayCredentials.FromHash("alice", hash)).ParamName.ShouldBe("passwordHash");

    [Theory]
    [InlineData("", "p", "username")]
    [InlineData("a:b", "p", "username")]
    [InlineData("alice", "", "password")]
    public void Constructor_InvalidInput_ThrowsNamingIt(string username, string password, string parameter) =>
        Should.Throw<ArgumentException>(() => new RelayCredentials(username, password)).ParamName.ShouldBe(parameter);

    [Fact]
    public void Constructor_Over255Utf8Bytes_IsRefused()
    {
        Should.Throw<ArgumentException>(() => new RelayCredentials(new string('ü', 128), "p")).ParamName.ShouldBe("username");
        Should.NotThrow(() => new RelayCredentials(new string('u', 255), new string('p', 255)));
    }
}
