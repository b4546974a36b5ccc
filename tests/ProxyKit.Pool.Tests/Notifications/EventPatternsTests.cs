using ProxyKit.Pool.Notifications;

namespace ProxyKit.Pool.Tests.Notifications;

public sealed class EventPatternsTests
{
    [Theory]
    [InlineData("*", "proxy.pool_low", true)]
    [InlineData("*", "credits.low", true)]
    [InlineData("proxy.*", "proxy.pool_low", true)]
    [InlineData("proxy.*", "proxy.dead", true)]
    [InlineData("proxy.*", "credits.low", false)]
    [InlineData("proxy.*", "proxy", false)]
    [InlineData("proxy.pool_low", "proxy.pool_low", true)]
    [InlineData("proxy.pool_low", "proxy.pool_low2", false)]
    [InlineData("proxy.pool_low", "proxy.pool_lo", false)]
    [InlineData("*.low", "credits.low", true)]
    [InlineData("*.low", "proxy.pool_low", false)]
    [InlineData("lease.*ed", "lease.expired", true)]
    public void MatchesAny_Pattern_MatchesAsDocumented(string pattern, string type, bool expected) =>
        EventPatterns.MatchesAny([pattern], type).ShouldBe(expected);

    [Fact]
    public void MatchesAny_SeveralPatterns_AnyMatchIsEnough()
    {
        EventPatterns.MatchesAny(["credits.*", "proxy.pool_low"], "proxy.pool_low").ShouldBeTrue();
        EventPatterns.MatchesAny(["credits.*", "proxy.pool_low"], "proxy.dead").ShouldBeFalse();
        EventPatterns.MatchesAny([], "proxy.dead").ShouldBeFalse();
    }

    [Theory]
    [InlineData("*", true)]
    [InlineData("proxy.*", true)]
    [InlineData("proxy.pool_low", true)]
    [InlineData("", false)]
    [InlineData("proxy pool", false)]
    [InlineData("proxy/*", false)]
    [InlineData(null, false)]
    public void IsValidPattern_Pattern_FollowsTopicRules(string? pattern, bool expected) =>
        EventPatterns.IsValidPattern(pattern).ShouldBe(expected);
}
