using ProxyKit.Relay.Tunnels;
using ProxyKit.Testing;

namespace ProxyKit.Relay.Tests.Tunnels;

public sealed class BandwidthLimiterTests
{
    [Fact]
    public async Task WaitAsync_WithinBurst_CompletesAtOnce()
    {
        var clock = new ManualTimeProvider();
        var limiter = new BandwidthLimiter(1000, clock);

        await limiter.WaitAsync(600, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
        await limiter.WaitAsync(400, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task WaitAsync_BeyondBurst_WaitsForTheDebtToRefill()
    {
        var clock = new ManualTimeProvider();
        var limiter = new BandwidthLimiter(1000, clock);
        await limiter.WaitAsync(1000, CancellationToken.None);

        var waiting = limiter.WaitAsync(500, CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(400));
        waiting.IsCompleted.ShouldBeFalse("500 bytes at 1000 B/s take 500 ms");
        clock.Advance(TimeSpan.FromMilliseconds(100));

        await waiting.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task WaitAsync_LongIdle_RefillCapsAtOneSecondOfBurst()
    {
        var clock = new ManualTimeProvider();
        var limiter = new BandwidthLimiter(1000, clock);
        clock.Advance(TimeSpan.FromSeconds(10)); // idle time does not bank more than one second

        await limiter.WaitAsync(1000, CancellationToken.None);
        var waiting = limiter.WaitAsync(1000, CancellationToken.None).AsTask();

        waiting.IsCompleted.ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task WaitAsync_Cancelled_Throws()
    {
        var clock = new ManualTimeProvider();
        var limiter = new BandwidthLimiter(1000, clock);
        await limiter.WaitAsync(1000, CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = limiter.WaitAsync(5000, cts.Token).AsTask();
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(waiting);
    }
}
