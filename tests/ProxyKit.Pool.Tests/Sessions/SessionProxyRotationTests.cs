using ProxyKit.Pool.Sessions;

namespace ProxyKit.Pool.Tests.Sessions;

/// <summary>The rotation rules, counters and option checks of session proxies, without a database.</summary>
public sealed class SessionProxyRotationTests
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    // --- Weight ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Weight_FastHealthyProxy_OutweighsSlowHealthyProxy()
    {
        var fast = SessionProxyRotation.Weight(Health(50, 0, latencyMs: 20), 1_000);
        var slow = SessionProxyRotation.Weight(Health(50, 0, latencyMs: 3_000), 1_000);

        // success² × ref / (ref + latency): (51/52)² × 1000/1020 ≈ 0.943 and (51/52)² × 1000/4000 ≈ 0.240.
        fast.ShouldBe(Math.Pow(51.0 / 52, 2) * 1_000 / 1_020, 1e-9);
        slow.ShouldBe(Math.Pow(51.0 / 52, 2) * 1_000 / 4_000, 1e-9);
        fast.ShouldBeGreaterThan(3.5 * slow);
    }

    [Fact]
    public void Weight_HealthyProxy_OutweighsFailingProxyAtTheSameLatency()
    {
        var healthy = SessionProxyRotation.Weight(Health(20, 0, latencyMs: 200), 1_000);
        var failing = SessionProxyRotation.Weight(Health(10, 10, latencyMs: 200), 1_000);
        var dead = SessionProxyRotation.Weight(Health(0, 20, latencyMs: 200), 1_000);

        healthy.ShouldBeGreaterThan(failing);
        failing.ShouldBeGreaterThan(dead);
        (healthy / failing).ShouldBeGreaterThan(3.0, "failures weigh heavily (success rate squared)");
    }

    [Fact]
    public void Weight_NoOutcomes_IsNeutralSuccessSquaredTimesNeutralLatency()
    {
        // Smoothed success (0 + 1) / (0 + 2) = 0.5, squared 0.25, times the neutral latency factor 0.5 = 0.125.
        // (The brief expected 0.25, reading the doc comment's "neutral 0.5 × 0.5" as the whole weight; the code squares the success.)
        var none = SessionProxyRotation.Weight(default, 1_000);

        none.ShouldBe(0.125, 1e-12);
        SessionProxyRotation.Weight(default, 50).ShouldBe(none, "without latency samples the reference latency does not matter");
        SessionProxyRotation.Weight(Health(50, 0, latencyMs: 20), 1_000).ShouldBeGreaterThan(none, "a proven fast proxy beats an unknown one");
    }

    [Fact]
    public void Weight_AtTheReferenceLatency_HalvesTheLatencyFactor()
    {
        var atReference = SessionProxyRotation.Weight(Health(1_000_000, 0, latencyMs: 500), 500);

        atReference.ShouldBe(0.5, 1e-5);
    }

    [Fact]
    public void Weight_HopelessProxy_IsFlooredAtMinimumWeight()
    {
        var hopeless = SessionProxyRotation.Weight(Health(0, 500, latencyMs: 60_000), 1_000);

        hopeless.ShouldBe(SessionProxyRotation.MinimumWeight);
        SessionProxyRotation.MinimumWeight.ShouldBe(0.01);
        SessionProxyRotation.Weight(Health(0, 1_000_000, latencyMs: null), 1_000).ShouldBe(0.01);
    }

    // --- Cooldown ---------------------------------------------------------------------------------------------------

    [Fact]
    public void CooldownFor_DoublesPerLevelUpToTheCap()
    {
        var options = new SessionRotationOptions { Cooldown = TimeSpan.FromMinutes(1), MaxCooldown = TimeSpan.FromHours(1) };

        SessionProxyRotation.CooldownFor(0, options).ShouldBe(TimeSpan.FromMinutes(1));
        SessionProxyRotation.CooldownFor(1, options).ShouldBe(TimeSpan.FromMinutes(2));
        SessionProxyRotation.CooldownFor(2, options).ShouldBe(TimeSpan.FromMinutes(4));
        SessionProxyRotation.CooldownFor(5, options).ShouldBe(TimeSpan.FromMinutes(32));
        SessionProxyRotation.CooldownFor(6, options).ShouldBe(TimeSpan.FromHours(1), "64 minutes is capped at MaxCooldown");
        SessionProxyRotation.CooldownFor(30, options).ShouldBe(TimeSpan.FromHours(1));
        SessionProxyRotation.CooldownFor(int.MaxValue, options).ShouldBe(TimeSpan.FromHours(1), "huge levels neither overflow nor exceed the cap");
        SessionProxyRotation.CooldownFor(-3, options).ShouldBe(TimeSpan.FromMinutes(1), "a negative level counts as the first");
    }

    [Fact]
    public void CooldownFor_CapEqualToBase_NeverGrows()
    {
        var options = new SessionRotationOptions { Cooldown = TimeSpan.FromSeconds(30), MaxCooldown = TimeSpan.FromSeconds(30) };

        Enumerable.Range(0, 10).Select(level => SessionProxyRotation.CooldownFor(level, options)).ShouldAllBe(d => d == TimeSpan.FromSeconds(30));
    }

    // --- Failure rate ---------------------------------------------------------------------------------------------------

    [Fact]
    public void FailureRateExceeded_HonoursThresholdAndMinimumRequests()
    {
        var options = new SessionRotationOptions { FailureRateThreshold = 0.5, FailureRateMinimumRequests = 20 };

        SessionProxyRotation.FailureRateExceeded(Health(10, 10), options).ShouldBeTrue("20 outcomes at exactly the threshold");
        SessionProxyRotation.FailureRateExceeded(Health(0, 30), options).ShouldBeTrue();
        SessionProxyRotation.FailureRateExceeded(Health(0, 19), options).ShouldBeFalse("too few outcomes to judge");
        SessionProxyRotation.FailureRateExceeded(Health(11, 9), options).ShouldBeFalse("45% is under the threshold");
        SessionProxyRotation.FailureRateExceeded(Health(100, 0), options).ShouldBeFalse();
        SessionProxyRotation.FailureRateExceeded(default, options).ShouldBeFalse();
    }

    [Fact]
    public void FailureRateExceeded_WithoutThreshold_IsNeverExceeded()
    {
        var options = new SessionRotationOptions { FailureRateThreshold = null, FailureRateMinimumRequests = 1 };

        SessionProxyRotation.FailureRateExceeded(Health(0, 1_000), options).ShouldBeFalse();
    }

    [Fact]
    public void FailureRateExceeded_BlockedCountAmongFailures()
    {
        var options = new SessionRotationOptions { FailureRateThreshold = 0.25, FailureRateMinimumRequests = 4 };

        SessionProxyRotation.FailureRateExceeded(new SessionProxyHealth(3, 1, 1, 0, 0), options).ShouldBeTrue();
        SessionProxyRotation.FailureRateExceeded(new SessionProxyHealth(4, 1, 1, 0, 0), options).ShouldBeFalse("1 of 5 is 20%");
    }

    // --- State ---------------------------------------------------------------------------------------------------

    [Fact]
    public void StateOf_ReflectsStatusCooldownAndProbation()
    {
        SessionProxyRotation.StateOf("disabled", new(0, Noon.AddMinutes(5), 1), Noon).ShouldBe(SessionProxyState.Disabled);
        SessionProxyRotation.StateOf("active", new(3, Noon.AddSeconds(1), 1), Noon).ShouldBe(SessionProxyState.CoolingDown);
        SessionProxyRotation.StateOf("active", new(3, Noon, 1), Noon).ShouldBe(SessionProxyState.Probation, "the cooldown ends at its instant");
        SessionProxyRotation.StateOf("active", new(3, Noon.AddMinutes(-1), 0), Noon).ShouldBe(SessionProxyState.Available);
        SessionProxyRotation.StateOf("active", SessionProxyCatalog.ErrorHint.None, Noon).ShouldBe(SessionProxyState.Available);
    }

    // --- PickWeighted ---------------------------------------------------------------------------------------------------

    [Fact]
    public void PickWeighted_NothingToPick_ReturnsMinusOne()
    {
        SessionProxyRotation.PickWeighted([0, 0, 0], 0, new Random(1)).ShouldBe(-1);
        SessionProxyRotation.PickWeighted([], 0, new Random(1)).ShouldBe(-1);
        SessionProxyRotation.PickWeighted([1, 2], 0, new Random(1)).ShouldBe(-1, "a total of zero means nothing is eligible");
        SessionProxyRotation.PickWeighted([1, 2], -1, new Random(1)).ShouldBe(-1);
    }

    [Fact]
    public void PickWeighted_SinglePositiveWeight_IsAlwaysPicked()
    {
        var random = new Random(7);
        for (var i = 0; i < 1_000; i++)
        {
            SessionProxyRotation.PickWeighted([0, 0, 0.3, 0], 0.3, random).ShouldBe(2);
        }
    }

    [Fact]
    public void PickWeighted_OverManyDraws_FollowsTheWeightsAndNeverPicksZeroWeights()
    {
        double[] weights = [0, 0.943, 0, 0.24, 0.125, 0.01, 0];
        var total = weights.Sum();
        var random = new Random(20260101);
        var counts = new int[weights.Length];
        const int Draws = 100_000;

        for (var i = 0; i < Draws; i++)
        {
            counts[SessionProxyRotation.PickWeighted(weights, total, random)]++;
        }

        counts[0].ShouldBe(0);
        counts[2].ShouldBe(0);
        counts[6].ShouldBe(0);
        for (var i = 0; i < weights.Length; i++)
        {
            var expected = weights[i] / total;
            ((double)counts[i] / Draws).ShouldBe(expected, 0.01, $"index {i}");
        }

        counts[1].ShouldBeGreaterThan(3 * counts[3]);
    }

    [Fact]
    public void PickWeighted_TotalLargerThanTheWeights_FallsBackToTheLastPositiveWeight()
    {
        // Rounding can leave a sliver of the total uncovered: the last positive weight takes it rather than nothing.
        var random = new Random(3);
        var picks = Enumerable.Range(0, 1_000).Select(_ => SessionProxyRotation.PickWeighted([1, 1, 0], 100, random)).ToList();

        picks.ShouldAllBe(i => i == 0 || i == 1);
        picks.Count(i => i == 1).ShouldBeGreaterThan(900);
    }

    // --- Counters ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Counters_DrainReturnsEverythingPendingOnce()
    {
        var counters = new SessionProxyCounters();
        counters.IsEmpty.ShouldBeTrue();

        counters.RecordHandedOut(1, Noon);
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: 100, countsTowardsHour: false, Noon.AddSeconds(10));
        counters.RecordOutcome(1, failed: true, blocked: true, latencyMs: 300.4, countsTowardsHour: true, Noon.AddSeconds(70));
        counters.RecordOutcome(2, failed: true, blocked: false, latencyMs: null, countsTowardsHour: true, Noon.AddSeconds(5));
        counters.IsEmpty.ShouldBeFalse();

        var deltas = counters.Drain().OrderBy(d => d.ProxyId).ToList();

        counters.IsEmpty.ShouldBeTrue();
        counters.Drain().ShouldBeEmpty();
        deltas.Count.ShouldBe(2);
        var one = deltas[0];
        one.ProxyId.ShouldBe(1);
        one.Total.ShouldBe(2);
        one.Failed.ShouldBe(1);
        one.Blocked.ShouldBe(1);
        one.Hour.ShouldBe(Noon);
        one.HourRequests.ShouldBe(2, "one hand-out plus one report without a ticket");
        one.LastUsedAt.ShouldBe(Noon.AddSeconds(70));
        one.Buckets.Count.ShouldBe(2);
        one.Buckets[Noon].ShouldBe(new SessionProxyHealth(1, 0, 0, 100, 1));
        one.Buckets[Noon.AddMinutes(1)].ShouldBe(new SessionProxyHealth(0, 1, 1, 300, 1));
        var two = deltas[1];
        two.Total.ShouldBe(1);
        two.Failed.ShouldBe(1);
        two.Blocked.ShouldBe(0);
        two.HourRequests.ShouldBe(1);
        two.Buckets[Noon].ShouldBe(new SessionProxyHealth(0, 1, 0, 0, 0), "no latency, no sample");
    }

    [Fact]
    public void Counters_RestoreMergesWithWhatArrivedSince()
    {
        var counters = new SessionProxyCounters();
        counters.RecordHandedOut(1, Noon);
        counters.RecordOutcome(1, failed: true, blocked: false, latencyMs: 50, countsTowardsHour: false, Noon);
        var drained = counters.Drain();

        counters.RecordHandedOut(1, Noon.AddSeconds(30));
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: 150, countsTowardsHour: false, Noon.AddSeconds(30));
        counters.Restore(drained);

        var merged = counters.Drain().Single();
        merged.Total.ShouldBe(2);
        merged.Failed.ShouldBe(1);
        merged.HourRequests.ShouldBe(2);
        merged.LastUsedAt.ShouldBe(Noon.AddSeconds(30));
        merged.Buckets.Single().Value.ShouldBe(new SessionProxyHealth(1, 1, 0, 200, 2));
    }

    [Fact]
    public void Counters_RestoreIntoEmptyCounters_GivesTheSameDeltaBack()
    {
        var counters = new SessionProxyCounters();
        counters.RecordHandedOut(4, Noon);
        counters.RecordOutcome(4, failed: false, blocked: false, latencyMs: 10, countsTowardsHour: false, Noon.AddMinutes(3));
        var drained = counters.Drain().Single();

        counters.Restore([drained]);

        var again = counters.Drain().Single();
        again.Total.ShouldBe(drained.Total);
        again.HourRequests.ShouldBe(drained.HourRequests);
        again.Hour.ShouldBe(drained.Hour);
        again.LastUsedAt.ShouldBe(drained.LastUsedAt);
        again.Buckets.ShouldBe(drained.Buckets);
    }

    [Fact]
    public void Counters_RestoreOfAnEarlierHour_KeepsTotalsButNotTheOldHoursCount()
    {
        var counters = new SessionProxyCounters();
        counters.RecordHandedOut(1, Noon.AddMinutes(59));
        counters.RecordHandedOut(1, Noon.AddMinutes(59));
        var drained = counters.Drain();

        counters.RecordHandedOut(1, Noon.AddHours(1));
        counters.Restore(drained);

        var merged = counters.Drain().Single();
        merged.Hour.ShouldBe(Noon.AddHours(1));
        merged.HourRequests.ShouldBe(1, "the restored requests belong to the previous hour");
        merged.LastUsedAt.ShouldBe(Noon.AddHours(1));
    }

    [Fact]
    public void Counters_HourRollover_StartsTheNewHourAfresh()
    {
        var counters = new SessionProxyCounters();
        counters.RecordHandedOut(1, Noon.AddMinutes(10));
        counters.RecordHandedOut(1, Noon.AddMinutes(59).AddSeconds(59));
        counters.RecordHandedOut(1, Noon.AddHours(1));
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: null, countsTowardsHour: true, Noon.AddHours(1).AddMinutes(1));

        var delta = counters.Drain().Single();

        delta.Hour.ShouldBe(Noon.AddHours(1));
        delta.HourRequests.ShouldBe(2);
        delta.Total.ShouldBe(1);
    }

    [Fact]
    public void Counters_PendingHealth_SumsOnlyBucketsInsideTheWindow()
    {
        var counters = new SessionProxyCounters();
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: 100, countsTowardsHour: true, Noon);
        counters.RecordOutcome(1, failed: true, blocked: true, latencyMs: 300, countsTowardsHour: true, Noon.AddMinutes(20));
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: 500, countsTowardsHour: true, Noon.AddMinutes(20).AddSeconds(30));
        counters.RecordOutcome(2, failed: true, blocked: false, latencyMs: 1, countsTowardsHour: true, Noon.AddMinutes(20));

        counters.PendingHealth(1, Noon).ShouldBe(new SessionProxyHealth(2, 1, 1, 900, 3));
        counters.PendingHealth(1, Noon.AddMinutes(5)).ShouldBe(new SessionProxyHealth(1, 1, 1, 800, 2));
        counters.PendingHealth(1, Noon.AddMinutes(20)).AverageLatencyMs.ShouldBe(400.0);
        counters.PendingHealth(1, Noon.AddMinutes(21)).ShouldBe(default);
        counters.PendingHealth(3, Noon).ShouldBe(default);

        counters.Drain();
        counters.PendingHealth(1, Noon).ShouldBe(default, "drained outcomes are no longer pending");
    }

    [Fact]
    public void Counters_LatencyIsRoundedToWholeMilliseconds()
    {
        var counters = new SessionProxyCounters();
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: 10.6, countsTowardsHour: true, Noon);
        counters.RecordOutcome(1, failed: false, blocked: false, latencyMs: 0.2, countsTowardsHour: true, Noon);

        counters.PendingHealth(1, Noon).ShouldBe(new SessionProxyHealth(2, 0, 0, 11, 2));
    }

    [Fact]
    public async Task Counters_ConcurrentRecordsAreAllCounted()
    {
        var counters = new SessionProxyCounters();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                counters.RecordHandedOut(t % 2, Noon);
                counters.RecordOutcome(t % 2, failed: i % 4 == 0, blocked: false, latencyMs: 1, countsTowardsHour: false, Noon);
            }
        })));

        var deltas = counters.Drain();
        deltas.Sum(d => d.Total).ShouldBe(8_000);
        deltas.Sum(d => d.HourRequests).ShouldBe(8_000);
        deltas.Sum(d => d.Failed).ShouldBe(2_000);
        deltas.Sum(d => d.Buckets.Values.Sum(b => b.LatencySamples)).ShouldBe(8_000);
    }

    // --- Options ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Validator_Defaults_Succeed()
    {
        var result = new SessionRotationOptionsValidator().Validate(null, new PoolOptions());

        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Fact]
    public void Validator_EdgeValuesInsideTheRanges_Succeed()
    {
        var result = Validate(s =>
        {
            s.HourlyRequestLimit = null;
            s.MaxInFlight = 1;
            s.ErrorThreshold = 1;
            s.FailureRateThreshold = 1;
            s.FailureRateMinimumRequests = 1;
            s.MaxSessionsPerProxy = 1;
            s.InFlightTimeout = TimeSpan.FromSeconds(1);
            s.HealthWindow = TimeSpan.FromMinutes(1);
            s.Cooldown = TimeSpan.FromSeconds(1);
            s.MaxCooldown = TimeSpan.FromSeconds(1);
            s.FlushInterval = TimeSpan.FromMilliseconds(10);
            s.RefreshInterval = TimeSpan.FromMilliseconds(10);
            s.BlockedStatusCodes = [];
            s.ReferenceLatencyMs = 0.001;
        });

        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    [Fact]
    public void Validator_NullSessions_Fails()
    {
        var result = new SessionRotationOptionsValidator().Validate(null, new PoolOptions { Sessions = null! });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Sessions");
    }

    public static TheoryData<string, string> BadValues() => new()
    {
        { "HourlyRequestLimit=0", "HourlyRequestLimit" },
        { "HourlyRequestLimit=-5", "HourlyRequestLimit" },
        { "MaxInFlight=0", "MaxInFlight" },
        { "MaxInFlight=10001", "MaxInFlight" },
        { "ErrorThreshold=0", "ErrorThreshold" },
        { "FailureRateMinimumRequests=0", "FailureRateMinimumRequests" },
        { "MaxSessionsPerProxy=0", "MaxSessionsPerProxy" },
        { "InFlightTimeout=0", "InFlightTimeout" },
        { "HealthWindow=30s", "HealthWindow" },
        { "Cooldown=0", "Cooldown" },
        { "MaxCooldown<Cooldown", "MaxCooldown" },
        { "FlushInterval=0", "FlushInterval" },
        { "RefreshInterval=0", "RefreshInterval" },
        { "FailureRateThreshold=0", "FailureRateThreshold" },
        { "FailureRateThreshold=1.5", "FailureRateThreshold" },
        { "FailureRateThreshold=NaN", "FailureRateThreshold" },
        { "ReferenceLatencyMs=0", "ReferenceLatencyMs" },
        { "ReferenceLatencyMs=-1", "ReferenceLatencyMs" },
        { "ReferenceLatencyMs=NaN", "ReferenceLatencyMs" },
        { "ReferenceLatencyMs=Infinity", "ReferenceLatencyMs" },
        { "BlockedStatusCodes=null", "BlockedStatusCodes" },
        { "BlockedStatusCodes=[403,42]", "BlockedStatusCodes" },
        { "BlockedStatusCodes=[600]", "BlockedStatusCodes" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validator_BadValue_FailsNamingTheSetting(string change, string setting)
    {
        var result = Validate(s => Apply(s, change));

        result.Failed.ShouldBeTrue(change);
        result.Failures.ShouldNotBeNull();
        result.Failures.Count().ShouldBe(1, string.Join(" | ", result.Failures));
        result.Failures.Single().ShouldStartWith($"ProxyKit:Pool:Sessions:{setting} ");
    }

    [Fact]
    public void Validator_SeveralBadValues_ReportsEach()
    {
        var result = Validate(s =>
        {
            s.MaxInFlight = 0;
            s.ErrorThreshold = 0;
            s.ReferenceLatencyMs = 0;
        });

        result.Failures!.Count().ShouldBe(3);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(Action<SessionRotationOptions> change)
    {
        var sessions = new SessionRotationOptions();
        change(sessions);
        return new SessionRotationOptionsValidator().Validate(null, new PoolOptions { Sessions = sessions });
    }

    private static void Apply(SessionRotationOptions s, string change)
    {
        switch (change)
        {
            case "HourlyRequestLimit=0": s.HourlyRequestLimit = 0; break;
            case "HourlyRequestLimit=-5": s.HourlyRequestLimit = -5; break;
            case "MaxInFlight=0": s.MaxInFlight = 0; break;
            case "MaxInFlight=10001": s.MaxInFlight = 10_001; break;
            case "ErrorThreshold=0": s.ErrorThreshold = 0; break;
            case "FailureRateMinimumRequests=0": s.FailureRateMinimumRequests = 0; break;
            case "MaxSessionsPerProxy=0": s.MaxSessionsPerProxy = 0; break;
            case "InFlightTimeout=0": s.InFlightTimeout = TimeSpan.Zero; break;
            case "HealthWindow=30s": s.HealthWindow = TimeSpan.FromSeconds(30); break;
            case "Cooldown=0": s.Cooldown = TimeSpan.Zero; s.MaxCooldown = TimeSpan.FromMinutes(1); break;
            case "MaxCooldown<Cooldown": s.Cooldown = TimeSpan.FromMinutes(10); s.MaxCooldown = TimeSpan.FromMinutes(5); break;
            case "FlushInterval=0": s.FlushInterval = TimeSpan.Zero; break;
            case "RefreshInterval=0": s.RefreshInterval = TimeSpan.Zero; break;
            case "FailureRateThreshold=0": s.FailureRateThreshold = 0; break;
            case "FailureRateThreshold=1.5": s.FailureRateThreshold = 1.5; break;
            case "FailureRateThreshold=NaN": s.FailureRateThreshold = double.NaN; break;
            case "ReferenceLatencyMs=0": s.ReferenceLatencyMs = 0; break;
            case "ReferenceLatencyMs=-1": s.ReferenceLatencyMs = -1; break;
            case "ReferenceLatencyMs=NaN": s.ReferenceLatencyMs = double.NaN; break;
            case "ReferenceLatencyMs=Infinity": s.ReferenceLatencyMs = double.PositiveInfinity; break;
            case "BlockedStatusCodes=null": s.BlockedStatusCodes = null!; break;
            case "BlockedStatusCodes=[403,42]": s.BlockedStatusCodes = [403, 42]; break;
            case "BlockedStatusCodes=[600]": s.BlockedStatusCodes = [600]; break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }
    }

    private static SessionProxyHealth Health(long successes, long failures, double? latencyMs = null)
    {
        var samples = latencyMs is null ? 0 : successes + failures;
        return new SessionProxyHealth(successes, failures, 0, latencyMs is { } ms ? (long)(ms * samples) : 0, samples);
    }
}
