using ProxyKit.Coordination;
using ProxyKit.Testing;
using ProxyKit.Testing.Coordination;

namespace ProxyKit.Core.Tests.Coordination;

public sealed class InProcessCoordinationTests : CoordinationContractTests
{
    // One "backend" shared by every host this test creates, as one process would share it.
    private readonly InProcessEventBus _bus = new();
    private InProcessKeyedRateLimiter? _limiter;
    private InProcessDistributedLock? _lock;
    private InProcessKeyedConcurrencyLimiter? _concurrency;

    protected override Task<IKeyedRateLimiter> CreateRateLimiterAsync() =>
        Task.FromResult<IKeyedRateLimiter>(_limiter ??= new InProcessKeyedRateLimiter(Clock));

    protected override Task<IKeyedConcurrencyLimiter> CreateConcurrencyLimiterAsync() =>
        Task.FromResult<IKeyedConcurrencyLimiter>(_concurrency ??= new InProcessKeyedConcurrencyLimiter(Clock));

    protected override Task<IEventBus> CreateEventBusAsync() => Task.FromResult<IEventBus>(_bus);

    protected override Task<IDistributedLock> CreateLockAsync() =>
        Task.FromResult<IDistributedLock>(_lock ??= new InProcessDistributedLock(Clock));

    protected override Task ElapseLockTimeAsync(TimeSpan span)
    {
        Clock.Advance(span);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync() => await _bus.DisposeAsync();

    [Fact]
    public async Task TryAcquire_ManyIdleKeys_AreSweptSoMemoryStaysBounded()
    {
        var clock = new ManualTimeProvider();
        var limiter = new InProcessKeyedRateLimiter(clock);
        var rule = new RateLimitRule(1, TimeSpan.FromSeconds(1));
        for (var i = 0; i < 5000; i++)
        {
            await limiter.TryAcquireAsync($"client:{i}", rule);
        }

        clock.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 5000; i++)
        {
            await limiter.TryAcquireAsync("busy", new RateLimitRule(10_000, TimeSpan.FromMinutes(1), RateLimitAlgorithm.FixedWindow));
        }

        limiter.TrackedKeys.ShouldBeLessThan(100);
    }

    [Fact]
    public async Task Publish_SubscriberFallsBehind_NewEventsAreDroppedNotQueuedWithoutBound()
    {
        await using var bus = new InProcessEventBus(capacityPerSubscription: 4);
        using var gate = new SemaphoreSlim(0);
        var handled = 0;
        await using var subscription = await bus.SubscribeAsync("*", async (_, ct) =>
        {
            await gate.WaitAsync(ct);
            Interlocked.Increment(ref handled);
        });

        for (var i = 0; i < 100; i++)
        {
            bus.Publish("flood", "x");
        }

        gate.Release(100);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Volatile.Read(ref handled) < 4)
        {
            await Task.Delay(10, timeout.Token);
        }

        await Task.Delay(100); // let any wrongly queued surplus arrive before judging
        handled.ShouldBeInRange(4, 5); // the queue (4) plus at most the one already in the handler
    }

    [Fact]
    public async Task Concurrency_LastLeaseReleased_TheKeyIsDropped()
    {
        var limiter = new InProcessKeyedConcurrencyLimiter(new ManualTimeProvider());
        var leases = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            leases.Add((await limiter.TryAcquireAsync($"proxy:{i}", 1, TimeSpan.FromMinutes(1))).LeaseId!);
        }

        limiter.TrackedKeys.ShouldBe(100);
        for (var i = 0; i < 100; i++)
        {
            (await limiter.ReleaseAsync($"proxy:{i}", leases[i])).ShouldBeTrue();
        }

        limiter.TrackedKeys.ShouldBe(0);
    }
}
