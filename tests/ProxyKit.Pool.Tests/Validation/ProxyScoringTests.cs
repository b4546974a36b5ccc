using ProxyKit.Pool.Validation;

namespace ProxyKit.Pool.Tests.Validation;

public sealed class ProxyScoringTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly ValidationOptions Options = new();

    [Fact]
    public void Score_OneSuccessOfOne_NeverOutranksNinetyFiveOfAHundred()
    {
        var lucky = Checks(successes: 1, failures: 0, latencyMs: 100);
        var proven = Checks(successes: 95, failures: 5, latencyMs: 100);

        ProxyScoring.Score(lucky, Now, Options).ShouldBeLessThan(ProxyScoring.Score(proven, Now, Options));
        ProxyScoring.UptimeLowerBound(1, 0).ShouldBe(0.2065, 0.001);
        ProxyScoring.UptimeLowerBound(95, 5).ShouldBe(0.8882, 0.001);
        ProxyScoring.UptimeLowerBound(0, 0).ShouldBe(0);
    }

    [Fact]
    public void Score_FasterAndFresherProxies_RankHigher()
    {
        var fast = Checks(50, 0, latencyMs: 100);
        var slow = Checks(50, 0, latencyMs: 3_000);
        var stale = fast with { LastSuccessAt = Now.AddDays(-2) };

        ProxyScoring.Score(fast, Now, Options).ShouldBeGreaterThan(ProxyScoring.Score(slow, Now, Options));
        ProxyScoring.Score(fast, Now, Options).ShouldBeGreaterThan(ProxyScoring.Score(stale, Now, Options));
        ProxyScoring.Score(fast, Now, Options).ShouldBeInRange(0, 1);
    }

    [Fact]
    public void Record_OldEvidenceDecays_SoRecentFailuresOutweighOldSuccesses()
    {
        var evidence = new ProxyEvidence(100, 0, Now.AddDays(-3), Now.AddDays(-3), 200, 0, 100);

        var after = ProxyScoring.Record(evidence, Now, passed: false, latencyMs: null, Options);

        after.Successes.ShouldBe(12.5, 0.01, "three half-lives of 24 h");
        after.Failures.ShouldBe(1);
        after.ConsecutiveFailures.ShouldBe(1);
        after.LastSuccessAt.ShouldBe(Now.AddDays(-3));
        after.ChecksTotal.ShouldBe(101);
        after.AvgLatencyMs.ShouldBe(200, "failed checks do not move the latency average");
    }

    [Fact]
    public void Record_Success_MovesTheLatencyAverageAndResetsFailures()
    {
        var evidence = new ProxyEvidence(1, 3, Now.AddMinutes(-5), null, 1_000, 3, 4);

        var after = ProxyScoring.Record(evidence, Now, passed: true, latencyMs: 100, Options);

        after.AvgLatencyMs!.Value.ShouldBe(730, 0.001);
        after.ConsecutiveFailures.ShouldBe(0);
        after.LastSuccessAt.ShouldBe(Now);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(4, 80)]
    [InlineData(20, 24 * 60)]
    public void NextCheck_FailingProxies_BackOffExponentiallyWithJitterUpToTheCap(int failuresInRow, double minutes)
    {
        var evidence = new ProxyEvidence(0, failuresInRow, Now, null, null, failuresInRow, failuresInRow);
        var random = new Random(1);

        var delays = Enumerable.Range(0, 200).Select(_ => (ProxyScoring.NextCheck(evidence, 0, Now, Options, random) - Now).TotalMinutes).ToList();

        delays.ShouldAllBe(d => d >= minutes * 0.8 - 0.001 && d <= minutes * 1.2 + 0.001);
        delays.Distinct().Count().ShouldBeGreaterThan(100, "jittered");
    }

    [Fact]
    public void NextCheck_WorkingProxies_SoonerAsTheScoreRises()
    {
        var evidence = Checks(10, 0, 100);
        var random = new Random(2);

        var best = Enumerable.Range(0, 100).Max(_ => (ProxyScoring.NextCheck(evidence, 1, Now, Options, random) - Now).TotalMinutes);
        var worst = Enumerable.Range(0, 100).Min(_ => (ProxyScoring.NextCheck(evidence, 0, Now, Options, random) - Now).TotalMinutes);

        best.ShouldBeLessThanOrEqualTo(5.5);
        worst.ShouldBeGreaterThanOrEqualTo(9);
    }

    private static ProxyEvidence Checks(double successes, double failures, double latencyMs) =>
        new(successes, failures, Now, Now, latencyMs, 0, (long)(successes + failures));
}
