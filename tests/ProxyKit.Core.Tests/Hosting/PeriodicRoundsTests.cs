using ProxyKit.Hosting;
using ProxyKit.Testing;

namespace ProxyKit.Core.Tests.Hosting;

public sealed class PeriodicRoundsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task RunAsync_RoundAtStartThenEachInterval_FailuresReportedAndTheLoopGoesOn_StopEndsQuietly()
    {
        var clock = new ManualTimeProvider();
        var rounds = 0;
        var failures = new List<Exception>();
        using var stop = new CancellationTokenSource();
        var loop = PeriodicRounds.RunAsync(
            _ =>
            {
                rounds++;
                return rounds switch
                {
                    2 => throw new InvalidOperationException("round two fails"),
                    3 => throw new TaskCanceledException("a round's own timeout, not the host stopping"),
                    _ => Task.CompletedTask,
                };
            },
            () => Interval,
            ex => { lock (failures) { failures.Add(ex); } },
            clock,
            stop.Token);

        await UntilAsync(() => rounds == 1 && clock.PendingDueTimes.Contains(Interval));
        clock.Advance(Interval - TimeSpan.FromSeconds(1));
        rounds.ShouldBe(1, "nothing before the interval");
        clock.Advance(TimeSpan.FromSeconds(1));
        await UntilAsync(() => rounds == 2 && clock.PendingDueTimes.Contains(Interval));
        clock.Advance(Interval);
        await UntilAsync(() => rounds == 3 && clock.PendingDueTimes.Contains(Interval));
        clock.Advance(Interval);
        await UntilAsync(() => rounds == 4 && clock.PendingDueTimes.Contains(Interval));

        failures.Select(static f => f.GetType()).ShouldBe([typeof(InvalidOperationException), typeof(TaskCanceledException)]);
        loop.IsCompleted.ShouldBeFalse("failed rounds do not end the loop");

        await stop.CancelAsync();
        await loop; // completes without throwing
        clock.Advance(Interval * 3);
        rounds.ShouldBe(4);
    }

    [Fact]
    public async Task RunAsync_StoppedDuringARound_EndsWithoutReportingTheCancellation()
    {
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var loop = PeriodicRounds.RunAsync(
            async ct =>
            {
                await stop.CancelAsync();
                await Task.Delay(Timeout.Infinite, ct);
            },
            () => Interval,
            _ => failures++,
            new ManualTimeProvider(),
            stop.Token);

        await loop;
        failures.ShouldBe(0);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the loop did not get there in time");
            await Task.Delay(10);
        }
    }
}
