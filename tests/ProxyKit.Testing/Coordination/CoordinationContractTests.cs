using System.Collections.Concurrent;
using System.Threading.Channels;
using ProxyKit.Coordination;

namespace ProxyKit.Testing.Coordination;

/// <summary>
/// What every coordination backend must do, run against the in-process implementations and against Redis.
/// Rate-limit time comes from a <see cref="ManualTimeProvider"/>; lock expiry is elapsed through
/// <see cref="ElapseLockTimeAsync"/> (the manual clock in-process, real time for Redis, whose server keeps it).
/// </summary>
public abstract class CoordinationContractTests : IAsyncLifetime
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Gets the clock every primitive of the backend reads.</summary>
    protected ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Creates the backend's rate limiter on <see cref="Clock"/>.</summary>
    protected abstract Task<IKeyedRateLimiter> CreateRateLimiterAsync();

    /// <summary>Creates the backend's concurrency limiter on <see cref="Clock"/> (a new "host" each call, sharing the backend).</summary>
    protected abstract Task<IKeyedConcurrencyLimiter> CreateConcurrencyLimiterAsync();

    /// <summary>Creates the backend's event bus (a new "host" each call, sharing the backend).</summary>
    protected abstract Task<IEventBus> CreateEventBusAsync();

    /// <summary>Creates the backend's lock (a new "host" each call, sharing the backend).</summary>
    protected abstract Task<IDistributedLock> CreateLockAsync();

    /// <summary>Lets <paramref name="span"/> pass for lock expiry.</summary>
    protected abstract Task ElapseLockTimeAsync(TimeSpan span);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task FixedWindow_LimitReached_DeniesUntilTheNextWindow()
    {
        var limiter = await CreateRateLimiterAsync();
        var rule = new RateLimitRule(3, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow);
        Clock.Advance(TimeSpan.FromSeconds(10)); // 10 s into a minute

        for (var i = 0; i < 3; i++)
        {
            (await limiter.TryAcquireAsync("fixed", rule)).IsAllowed.ShouldBeTrue();
        }

        var denied = await limiter.TryAcquireAsync("fixed", rule);
        denied.IsAllowed.ShouldBeFalse();
        denied.Remaining.ShouldBe(0);
        denied.RetryAfter.ShouldBe(TimeSpan.FromSeconds(50));

        Clock.Advance(TimeSpan.FromSeconds(50));
        var next = await limiter.TryAcquireAsync("fixed", rule);
        next.IsAllowed.ShouldBeTrue();
        next.Remaining.ShouldBe(2);
    }

    [SkippableFact]
    public async Task SlidingWindow_NeverMoreThanTheLimitInAnyWindow()
    {
        var limiter = await CreateRateLimiterAsync();
        var rule = new RateLimitRule(3, TimeSpan.FromSeconds(60));

        (await limiter.TryAcquireAsync("sliding", rule, permits: 2)).Remaining.ShouldBe(1);
        Clock.Advance(TimeSpan.FromSeconds(30));
        (await limiter.TryAcquireAsync("sliding", rule)).IsAllowed.ShouldBeTrue();
        Clock.Advance(TimeSpan.FromSeconds(1));

        var denied = await limiter.TryAcquireAsync("sliding", rule);
        denied.IsAllowed.ShouldBeFalse();
        denied.RetryAfter.ShouldBe(TimeSpan.FromSeconds(29));

        Clock.Advance(TimeSpan.FromSeconds(29)); // the two permits of t=0 leave the window at t=60
        var after = await limiter.TryAcquireAsync("sliding", rule, permits: 2);
        after.IsAllowed.ShouldBeTrue();
        after.Remaining.ShouldBe(0);
    }

    [SkippableFact]
    public async Task TryAcquire_Denied_TakesNothingAndKeysAreIndependent()
    {
        var limiter = await CreateRateLimiterAsync();
        var rule = new RateLimitRule(2, TimeSpan.FromHours(1));

        (await limiter.TryAcquireAsync("a", rule)).IsAllowed.ShouldBeTrue();
        (await limiter.TryAcquireAsync("a", rule, permits: 2)).IsAllowed.ShouldBeFalse();
        (await limiter.TryAcquireAsync("a", rule)).IsAllowed.ShouldBeTrue("the denied request of 2 took nothing");
        (await limiter.TryAcquireAsync("b", rule)).Remaining.ShouldBe(1);
    }

    [SkippableFact]
    public async Task TryAcquire_BadArguments_Throw()
    {
        var limiter = await CreateRateLimiterAsync();
        var rule = new RateLimitRule(2, TimeSpan.FromSeconds(1));

        await Should.ThrowAsync<ArgumentException>(async () => await limiter.TryAcquireAsync("", rule));
        await Should.ThrowAsync<ArgumentException>(async () => await limiter.TryAcquireAsync("has space", rule));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await limiter.TryAcquireAsync("k", rule, permits: 3));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await limiter.TryAcquireAsync("k", rule, permits: 0));
    }

    [SkippableTheory]
    [InlineData(RateLimitAlgorithm.FixedWindow)]
    [InlineData(RateLimitAlgorithm.SlidingWindow)]
    public async Task TryAcquire_200ConcurrentCallersOnTwoHosts_ExactlyTheLimitPasses(RateLimitAlgorithm algorithm)
    {
        var hosts = new[] { await CreateRateLimiterAsync(), await CreateRateLimiterAsync() };
        var rule = new RateLimitRule(50, TimeSpan.FromMinutes(5), algorithm);
        var allowed = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            if ((await hosts[i % 2].TryAcquireAsync("hot", rule, 1, ct)).IsAllowed)
            {
                Interlocked.Increment(ref allowed);
            }
        });

        allowed.ShouldBe(50);
    }

    [SkippableFact]
    public async Task Concurrency_LimitReached_DeniesUntilALeaseIsReleased()
    {
        var limiter = await CreateConcurrencyLimiterAsync();
        var first = await limiter.TryAcquireAsync("slots", 2, TimeSpan.FromMinutes(1));
        Clock.Advance(TimeSpan.FromSeconds(10));
        var second = await limiter.TryAcquireAsync("slots", 2, TimeSpan.FromMinutes(1));
        first.IsAcquired.ShouldBeTrue();
        first.InUse.ShouldBe(1);
        first.ExpiresAt.ShouldBe(Clock.GetUtcNow() - TimeSpan.FromSeconds(10) + TimeSpan.FromMinutes(1));
        second.InUse.ShouldBe(2);

        var denied = await limiter.TryAcquireAsync("slots", 2, TimeSpan.FromMinutes(1));
        denied.IsAcquired.ShouldBeFalse();
        denied.LeaseId.ShouldBeNull();
        denied.InUse.ShouldBe(2);
        denied.ExpiresAt.ShouldBe(first.ExpiresAt, "a denial names when the earliest lease frees");

        (await limiter.ReleaseAsync("slots", first.LeaseId!)).ShouldBeTrue();
        (await limiter.ReleaseAsync("slots", first.LeaseId!)).ShouldBeFalse("a lease is released once");
        (await limiter.TryAcquireAsync("slots", 2, TimeSpan.FromMinutes(1))).IsAcquired.ShouldBeTrue();
        (await limiter.TryAcquireAsync("other", 1, TimeSpan.FromMinutes(1))).IsAcquired.ShouldBeTrue("keys are independent");
    }

    [SkippableFact]
    public async Task Concurrency_ExpiredLeases_FreeTheirSlotsAndCannotBeReleased()
    {
        var limiter = await CreateConcurrencyLimiterAsync();
        var held = await limiter.TryAcquireAsync("expiring", 1, TimeSpan.FromSeconds(30));
        (await limiter.TryAcquireAsync("expiring", 1, TimeSpan.FromSeconds(30))).IsAcquired.ShouldBeFalse();
        (await limiter.CountAsync(["expiring", "unused"])).ShouldBe([1, 0]);

        Clock.Advance(TimeSpan.FromSeconds(30));
        (await limiter.CountAsync(["expiring"])).ShouldBe([0]);
        (await limiter.ReleaseAsync("expiring", held.LeaseId!)).ShouldBeFalse("an expired lease was already freed");
        (await limiter.TryAcquireAsync("expiring", 1, TimeSpan.FromSeconds(30))).IsAcquired.ShouldBeTrue();
        (await limiter.ReleaseAsync("expiring", "no-such-lease")).ShouldBeFalse();
    }

    [SkippableFact]
    public async Task Concurrency_BadArguments_Throw()
    {
        var limiter = await CreateConcurrencyLimiterAsync();
        await Should.ThrowAsync<ArgumentException>(async () => await limiter.TryAcquireAsync("has space", 1, TimeSpan.FromSeconds(1)));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await limiter.TryAcquireAsync("k", 0, TimeSpan.FromSeconds(1)));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await limiter.TryAcquireAsync("k", 1, TimeSpan.Zero));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(async () => await limiter.TryAcquireAsync("k", 1, TimeSpan.FromDays(2)));
        await Should.ThrowAsync<ArgumentException>(async () => await limiter.ReleaseAsync("k", ""));
    }

    [SkippableFact]
    public async Task Concurrency_200ConcurrentCallersOnTwoHosts_ExactlyTheLimitHoldsAtOnce()
    {
        var hosts = new[] { await CreateConcurrencyLimiterAsync(), await CreateConcurrencyLimiterAsync() };
        var leases = new ConcurrentBag<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var decision = await hosts[i % 2].TryAcquireAsync("hot-slots", 7, TimeSpan.FromMinutes(5), ct);
            if (decision.IsAcquired)
            {
                leases.Add(decision.LeaseId!);
            }
        });

        leases.Count.ShouldBe(7);
        (await hosts[1].CountAsync(["hot-slots"])).ShouldBe([7]);
        (await hosts[1].ReleaseAsync("hot-slots", leases.First())).ShouldBeTrue("a lease taken on one host is released on another");
        (await hosts[0].CountAsync(["hot-slots"])).ShouldBe([6]);
    }

    [SkippableFact]
    public async Task Publish_DeliversToMatchingPatternsOnly_InOrder()
    {
        var bus = await CreateEventBusAsync();
        var proxies = new Recorder();
        var everything = new Recorder();
        var credits = new Recorder();
        await using var s1 = await bus.SubscribeAsync("proxy.*", proxies.Handle);
        await using var s2 = await bus.SubscribeAsync("*", everything.Handle);
        await using var s3 = await bus.SubscribeAsync("credits.*", credits.Handle);

        for (var i = 0; i < 50; i++)
        {
            await bus.PublishAsync("proxy.pool_low", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await bus.PublishAsync("credits.low", "end");

        (await proxies.TakeAsync(50)).Select(m => m.Payload).ShouldBe(Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        (await everything.TakeAsync(51)).Last().ShouldBe(new EventMessage("credits.low", "end"));
        (await credits.TakeAsync(1)).Single().Topic.ShouldBe("credits.low", "credits.* saw nothing before its own event");
    }

    [SkippableFact]
    public async Task Publish_HandlerThrows_NextEventsStillDelivered()
    {
        var bus = await CreateEventBusAsync();
        var seen = new Recorder();
        await using var subscription = await bus.SubscribeAsync("job.*", async (message, ct) =>
        {
            if (message.Payload == "boom")
            {
                throw new InvalidOperationException("handler failure");
            }

            await seen.Handle(message, ct);
        });

        await bus.PublishAsync("job.a", "boom");
        await bus.PublishAsync("job.b", "fine");

        (await seen.TakeAsync(1)).Single().Payload.ShouldBe("fine");
    }

    [SkippableFact]
    public async Task Subscription_Disposed_ReceivesNothingMore()
    {
        var bus = await CreateEventBusAsync();
        var first = new Recorder();
        var witness = new Recorder();
        var subscription = await bus.SubscribeAsync("t.*", first.Handle);
        await using var keep = await bus.SubscribeAsync("t.*", witness.Handle);

        await bus.PublishAsync("t.one", "1");
        (await first.TakeAsync(1)).Count.ShouldBe(1);
        await subscription.DisposeAsync();
        await bus.PublishAsync("t.two", "2");

        (await witness.TakeAsync(2)).Count.ShouldBe(2);
        first.Pending.ShouldBe(0);
    }

    [SkippableFact]
    public async Task Publish_FromAnotherHost_ReachesThisHostsSubscribers()
    {
        var publisher = await CreateEventBusAsync();
        var subscriberHost = await CreateEventBusAsync();
        var seen = new Recorder();
        await using var subscription = await subscriberHost.SubscribeAsync("keys.*", seen.Handle);

        await publisher.PublishAsync("keys.revoked", """{"key_id":"k1"}""");

        (await seen.TakeAsync(1)).Single().ShouldBe(new EventMessage("keys.revoked", """{"key_id":"k1"}"""));
    }

    [SkippableFact]
    public async Task PublishAndSubscribe_InvalidNames_Throw()
    {
        var bus = await CreateEventBusAsync();

        await Should.ThrowAsync<ArgumentException>(async () => await bus.PublishAsync("proxy.*", "x"));
        await Should.ThrowAsync<ArgumentException>(async () => await bus.PublishAsync("has space", "x"));
        await Should.ThrowAsync<ArgumentException>(async () => await bus.SubscribeAsync("a b", (_, _) => ValueTask.CompletedTask));
    }

    [SkippableFact]
    public async Task Lock_HeldByOneHost_OthersCannotTakeItUntilReleased()
    {
        var hostA = await CreateLockAsync();
        var hostB = await CreateLockAsync();

        var held = await hostA.TryAcquireAsync("reaper", TimeSpan.FromMinutes(1));
        held.ShouldNotBeNull();
        (await hostB.TryAcquireAsync("reaper", TimeSpan.FromMinutes(1))).ShouldBeNull();
        (await hostB.TryAcquireAsync("other", TimeSpan.FromMinutes(1))).ShouldNotBeNull();

        await held.DisposeAsync();
        (await hostB.TryAcquireAsync("reaper", TimeSpan.FromMinutes(1))).ShouldNotBeNull();
    }

    [SkippableFact]
    public async Task Lock_Expired_AnotherHostTakesItAndTheOldHandleCannotTouchIt()
    {
        var hostA = await CreateLockAsync();
        var hostB = await CreateLockAsync();
        var old = await hostA.TryAcquireAsync("sync", TimeSpan.FromMilliseconds(300));
        old.ShouldNotBeNull();

        await ElapseLockTimeAsync(TimeSpan.FromMilliseconds(600));
        var current = await hostB.TryAcquireAsync("sync", TimeSpan.FromMinutes(1));

        current.ShouldNotBeNull();
        (await old.ExtendAsync(TimeSpan.FromMinutes(1))).ShouldBeFalse();
        await old.DisposeAsync(); // must not release the new holder's lock
        (await hostA.TryAcquireAsync("sync", TimeSpan.FromMinutes(1))).ShouldBeNull();
        (await current.ExtendAsync(TimeSpan.FromMinutes(2))).ShouldBeTrue();
    }

    [SkippableFact]
    public async Task Lock_TwentyConcurrentTakers_ExactlyOneWins()
    {
        var hosts = new List<IDistributedLock>();
        for (var i = 0; i < 4; i++)
        {
            hosts.Add(await CreateLockAsync());
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => hosts[i % 4].TryAcquireAsync("leader", TimeSpan.FromMinutes(1)).AsTask()));

        results.Count(r => r is not null).ShouldBe(1);
    }

    /// <summary>Collects delivered events for assertions.</summary>
    protected sealed class Recorder
    {
        private readonly Channel<EventMessage> _messages = Channel.CreateUnbounded<EventMessage>();

        /// <summary>Gets the number of delivered events not yet taken.</summary>
        public int Pending => _messages.Reader.Count;

        /// <summary>The subscription handler.</summary>
        public ValueTask Handle(EventMessage message, CancellationToken cancellationToken) =>
            _messages.Writer.WriteAsync(message, cancellationToken);

        /// <summary>Waits for <paramref name="count"/> events (failing after a generous timeout).</summary>
        public async Task<List<EventMessage>> TakeAsync(int count)
        {
            using var timeout = new CancellationTokenSource(DeliveryTimeout);
            var result = new List<EventMessage>();
            while (result.Count < count)
            {
                result.Add(await _messages.Reader.ReadAsync(timeout.Token));
            }

            return result;
        }
    }
}
