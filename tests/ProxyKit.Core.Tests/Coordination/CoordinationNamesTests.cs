using ProxyKit.Coordination;

namespace ProxyKit.Core.Tests.Coordination;

public sealed class CoordinationNamesTests
{
    [Theory]
    [InlineData("*", "proxy.pool_low", true)]
    [InlineData("proxy.*", "proxy.pool_low", true)]
    [InlineData("proxy.*", "proxy.a.b", true)]
    [InlineData("proxy.*", "proxy", false)]
    [InlineData("proxy.*", "credits.low", false)]
    [InlineData("credits.*", "credits.", true)]
    [InlineData("*.low", "credits.low", true)]
    [InlineData("*.low", "credits.lower", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "exactly", false)]
    public void Matches_GlobPattern_BehavesLikeRedisPsubscribe(string pattern, string topic, bool expected) =>
        CoordinationNames.Matches(pattern, topic).ShouldBe(expected);

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("proxy.*")]
    [InlineData("tab\tname")]
    public void ThrowIfInvalidTopic_BadTopic_Throws(string topic) =>
        Should.Throw<ArgumentException>(() => CoordinationNames.ThrowIfInvalidTopic(topic));

    [Fact]
    public void ThrowIfInvalidKey_TooLong_Throws() =>
        Should.Throw<ArgumentException>(() => CoordinationNames.ThrowIfInvalidKey(new string('k', 257)));

    [Fact]
    public void RateLimitRule_InvalidValues_Throw()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new RateLimitRule(0, TimeSpan.FromSeconds(1)));
        Should.Throw<ArgumentOutOfRangeException>(() => new RateLimitRule(1, TimeSpan.Zero));
        Should.Throw<ArgumentOutOfRangeException>(() => new RateLimitRule(1, TimeSpan.FromDays(40)));
        Should.Throw<ArgumentOutOfRangeException>(() => new RateLimitRule(1, TimeSpan.FromSeconds(1), (RateLimitAlgorithm)42));
    }
}
