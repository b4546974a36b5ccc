using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Coordination;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Tests.Fetching;
using ProxyKit.Testing;

namespace ProxyKit.Pool.Tests.Notifications;

public sealed class PoolEventDispatcherTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, object?> Data = new() { ["active_count"] = 3 };

    private readonly ManualTimeProvider _clock = new(Now);
    private readonly CapturingLoggerProvider _logs = new();
    private readonly InProcessEventBus _bus = new();
    private readonly List<PoolEventDispatcher> _dispatchers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var dispatcher in _dispatchers)
        {
            await dispatcher.DisposeAsync();
        }

        await _bus.DisposeAsync();
    }

    [Fact]
    public async Task Publish_SeveralNotifiers_EachGetsOnlyMatchingEvents()
    {
        var all = new RecordingNotifier("all", "*");
        var proxies = new RecordingNotifier("proxies", "proxy.*");
        var exact = new RecordingNotifier("exact", "credits.low");
        var none = new RecordingNotifier("none");
        var dispatcher = Create([all, proxies, exact, none]);

        await dispatcher.PublishAsync("proxy.pool_low", Data);
        await dispatcher.PublishAsync("credits.low", Data);
        await dispatcher.PublishAsync("lease.acquired", Data);

        await Eventually.HoldsAsync(() => all.Received.Count == 3 && proxies.Received.Count == 1 && exact.Received.Count == 1, "matching notifiers received");
        all.Received.Select(e => e.Type).ShouldBe(["proxy.pool_low", "credits.low", "lease.acquired"]);
        proxies.Received.Single().Type.ShouldBe("proxy.pool_low");
        exact.Received.Single().Type.ShouldBe("credits.low");
        none.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task Publish_Event_StampedWithVersion7IdAndClockTimeAndDataCopied()
    {
        var notifier = new RecordingNotifier("all", "*");
        var dispatcher = Create([notifier]);
        var data = new Dictionary<string, object?> { ["proxy_id"] = "p1" };

        var published = dispatcher.Publish("proxy.dead", data);
        data["proxy_id"] = "changed later";

        await Eventually.HoldsAsync(() => notifier.Received.Count == 1, "the event arrived");
        var received = notifier.Received.Single();
        received.ShouldBeSameAs(published);
        received.OccurredAt.ShouldBe(Now);
        Guid.Parse(received.Id).Version.ShouldBe(7);
        received.Data["proxy_id"].ShouldBe("p1");
        dispatcher.Publish("proxy.dead", data).Id.ShouldNotBe(received.Id);
    }

    [Fact]
    public async Task PublishAsync_SlowNotifier_ReturnsAtOnceAndOtherNotifiersStillReceive()
    {
        var slow = new RecordingNotifier("slow", "*") { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var fast = new RecordingNotifier("fast", "*");
        var dispatcher = Create([slow, fast]);

        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await dispatcher.PublishAsync("proxy.dead", Data);
            }
        });

        await publishing.WaitAsync(TimeSpan.FromSeconds(5));
        await Eventually.HoldsAsync(() => fast.Received.Count == 100, "the fast notifier got every event");
        slow.Received.ShouldBeEmpty();

        slow.Gate.SetResult();
        await Eventually.HoldsAsync(() => slow.Received.Count == 100, "the slow notifier caught up");
    }

    [Fact]
    public async Task PublishAsync_QueueFull_DropsForThatNotifierAndLogsWithoutBlocking()
    {
        var slow = new RecordingNotifier("slow", "*") { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var dispatcher = Create([slow], o => o.Notifications.QueueCapacity = 2);

        for (var i = 0; i < 10; i++)
        {
            await dispatcher.PublishAsync("proxy.dead", Data).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }

        slow.Gate.SetResult();
        await Eventually.HoldsAsync(() => slow.Received.Count >= 2, "queued events were delivered");
        await Task.Delay(100);
        slow.Received.Count.ShouldBeLessThanOrEqualTo(3, "one in delivery plus a queue of two");
        _logs.Entries.ShouldContain(e => e.EventId.Id == 6300 && e.Message.Contains("slow", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PublishAsync_NotifierThrows_LoggedAndNextEventStillDelivered()
    {
        var broken = new RecordingNotifier("broken", "*") { Throws = true };
        var dispatcher = Create([broken]);

        await dispatcher.PublishAsync("proxy.dead", Data);
        await dispatcher.PublishAsync("proxy.dead", Data);

        await Eventually.HoldsAsync(() => broken.Received.Count == 2, "both events were attempted");
        await Eventually.HoldsAsync(() => _logs.Entries.Count(e => e.EventId.Id == 6301) == 2, "both failures were logged");
    }

    [Fact]
    public async Task PublishAsync_Event_PublishedOnTheEventBusAsPoolDotTypeWithTheWebhookJson()
    {
        var received = new TaskCompletionSource<EventMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await _bus.SubscribeAsync("pool.*", (message, _) =>
        {
            received.TrySetResult(message);
            return ValueTask.CompletedTask;
        });
        var dispatcher = Create([]);

        var published = dispatcher.Publish("proxy.pool_low", Data);

        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));
        message.Topic.ShouldBe("pool.proxy.pool_low");
        using var json = System.Text.Json.JsonDocument.Parse(message.Payload);
        json.RootElement.GetProperty("id").GetString().ShouldBe(published.Id);
        json.RootElement.GetProperty("type").GetString().ShouldBe("proxy.pool_low");
        json.RootElement.GetProperty("occurred_at").GetDateTimeOffset().ShouldBe(Now);
        json.RootElement.GetProperty("data").GetProperty("active_count").GetInt32().ShouldBe(3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("proxy pool")]
    [InlineData("proxy.*")]
    public void Publish_InvalidType_Throws(string type)
    {
        var dispatcher = Create([]);

        Should.Throw<ArgumentException>(() => dispatcher.Publish(type, Data));
    }

    [Fact]
    public async Task AddProxyKitPool_IPoolEvents_IsTheDispatcherWithTheBuiltInNotifiers()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddProxyKitPool().AddNotifier(_ => new RecordingNotifier("custom", "*"));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var events = provider.GetRequiredService<IPoolEvents>();

        var dispatcher = events.ShouldBeOfType<PoolEventDispatcher>();
        dispatcher.Notifiers.Select(n => n.Name).ShouldBe(["log", "webhook", "custom"], ignoreOrder: true);
        provider.GetServices<IPoolNotifier>().Single(n => n.Name == "log").Subscriptions.ShouldBe(["*"]);
        provider.GetServices<IPoolNotifier>().Single(n => n.Name == "webhook").Subscriptions.ShouldBeEmpty();
    }

    private PoolEventDispatcher Create(IEnumerable<IPoolNotifier> notifiers, Action<PoolOptions>? configure = null)
    {
        var options = new PoolOptions();
        configure?.Invoke(options);
        var factory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        var dispatcher = new PoolEventDispatcher(notifiers, _bus, _clock, Options.Create(options), factory.CreateLogger<PoolEventDispatcher>());
        _dispatchers.Add(dispatcher);
        return dispatcher;
    }
}
