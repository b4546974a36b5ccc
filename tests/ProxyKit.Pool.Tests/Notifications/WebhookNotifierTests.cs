using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Tests.Fetching;

namespace ProxyKit.Pool.Tests.Notifications;

public sealed class WebhookNotifierTests : IAsyncDisposable
{
    private const string Secret = "s3cr3t-webhook-key-0123456789";
    private static readonly PoolEvent Event = new(
        "proxy.pool_low", "0195f7a0-0000-7000-8000-000000000001", new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero),
        new Dictionary<string, object?> { ["active_count"] = 3, ["threshold"] = 10 });

    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<IAsyncDisposable> _resources = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in _resources)
        {
            await resource.DisposeAsync();
        }
    }

    [Fact]
    public async Task NotifyAsync_Event_PostsJsonSignedWithTheSecretAndHeaders()
    {
        var receiver = Track(WebhookReceiver.Start());
        var notifier = Create(receiver);

        await notifier.NotifyAsync(Event, CancellationToken.None);

        var request = receiver.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.Target.ShouldBe("/hooks/pool?token=query-token-value");
        request.Headers["Content-Type"].ShouldStartWith("application/json");
        request.Headers["X-ProxyKit-Event"].ShouldBe("proxy.pool_low");
        Guid.Parse(request.Headers["X-ProxyKit-Delivery"]).Version.ShouldBe(7);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), request.Body));
        request.Headers["X-ProxyKit-Signature"].ShouldBe(expected);
        var wrongKey = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("another-secret-entirely"u8, request.Body));
        request.Headers["X-ProxyKit-Signature"].ShouldNotBe(wrongKey);

        using var json = JsonDocument.Parse(request.Body);
        json.RootElement.GetProperty("id").GetString().ShouldBe(Event.Id);
        json.RootElement.GetProperty("type").GetString().ShouldBe("proxy.pool_low");
        json.RootElement.GetProperty("occurred_at").GetDateTimeOffset().ShouldBe(Event.OccurredAt);
        json.RootElement.GetProperty("data").GetProperty("active_count").GetInt32().ShouldBe(3);
        request.BodyText.ShouldNotContain(Secret);
        notifier.IsHealthy.ShouldBeTrue();
    }

    [Fact]
    public async Task NotifyAsync_500Then200_RetriedWithTheSameDeliveryIdAndSignature()
    {
        var receiver = Track(WebhookReceiver.Start(500, 503, 200));
        var notifier = Create(receiver);

        await notifier.NotifyAsync(Event, CancellationToken.None);

        receiver.Requests.Count.ShouldBe(3);
        receiver.Requests.Select(r => r.Headers["X-ProxyKit-Delivery"]).Distinct().ShouldHaveSingleItem();
        receiver.Requests.Select(r => r.Headers["X-ProxyKit-Signature"]).Distinct().ShouldHaveSingleItem();
        notifier.IsHealthy.ShouldBeTrue();
        _logs.Entries.Count(e => e.EventId.Id == 6305).ShouldBe(2);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    public async Task NotifyAsync_RetryableClientStatus_Retried(int status)
    {
        var receiver = Track(WebhookReceiver.Start(status, 200));
        var notifier = Create(receiver);

        await notifier.NotifyAsync(Event, CancellationToken.None);

        receiver.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task NotifyAsync_400_NotRetriedAndCountsAsAFailure()
    {
        var receiver = Track(WebhookReceiver.Always(400));
        var notifier = Create(receiver);

        await notifier.NotifyAsync(Event, CancellationToken.None);

        receiver.Requests.Count.ShouldBe(1);
        _logs.Entries.ShouldContain(e => e.EventId.Id == 6307 && e.Message.Contains("HTTP 400", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NotifyAsync_NothingListening_RetriedUpToMaxAttempts()
    {
        var receiver = WebhookReceiver.Start();
        var url = receiver.Url;
        await receiver.DisposeAsync();
        var notifier = Create(url);

        await notifier.NotifyAsync(Event, CancellationToken.None);

        _logs.Entries.Count(e => e.EventId.Id == 6305).ShouldBe(3, "attempts 1-3 of 4 are retried");
        _logs.Entries.ShouldContain(e => e.EventId.Id == 6307 && e.Message.Contains("network error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NotifyAsync_PermanentFailures_UnhealthyAfterThreeThenHealthyAfterASuccess()
    {
        var receiver = Track(WebhookReceiver.Always(500));
        var notifier = Create(receiver, maxAttempts: 2);

        for (var i = 1; i <= WebhookNotifier.UnhealthyAfter; i++)
        {
            notifier.IsHealthy.ShouldBeTrue($"only {i - 1} deliveries failed so far");
            await notifier.NotifyAsync(Event, CancellationToken.None);
        }

        notifier.IsHealthy.ShouldBeFalse();
        notifier.IsWebhookHealthy("ops").ShouldBeFalse();
        receiver.Requests.Count.ShouldBe(WebhookNotifier.UnhealthyAfter * 2);
        _logs.Entries.Count(e => e.EventId.Id == 6308).ShouldBe(1);

        receiver.Fallback = 200;
        await notifier.NotifyAsync(Event, CancellationToken.None);

        notifier.IsHealthy.ShouldBeTrue();
        _logs.Entries.Count(e => e.EventId.Id == 6309).ShouldBe(1);
    }

    [Fact]
    public async Task NotifyAsync_SuccessAndFailures_SecretAndUrlQueryNeverLogged()
    {
        var failing = Track(WebhookReceiver.Always(500));
        var notifier = Create(failing);
        await notifier.NotifyAsync(Event, CancellationToken.None);
        failing.Fallback = 200;
        await notifier.NotifyAsync(Event, CancellationToken.None);

        _logs.Entries.ShouldNotBeEmpty();
        _logs.AllText.ShouldNotContain(Secret);
        _logs.AllText.ShouldNotContain("query-token-value");
        new WebhookOptions { Name = "ops", Secret = Secret }.ToString().ShouldNotContain(Secret);
    }

    [Fact]
    public async Task NotifyAsync_TwoWebhooks_EachGetsOnlyItsSubscriptions()
    {
        var pools = Track(WebhookReceiver.Start());
        var credits = Track(WebhookReceiver.Start());
        var notifier = Create(o =>
        {
            o.Notifications.Webhooks.Add(Hook("pools", pools.Url, ["proxy.*"]));
            o.Notifications.Webhooks.Add(Hook("credits", credits.Url, ["credits.low"]));
        });

        notifier.Subscriptions.ShouldBe(["proxy.*", "credits.low"], ignoreOrder: true);
        await notifier.NotifyAsync(Event, CancellationToken.None);
        await notifier.NotifyAsync(Event with { Type = "credits.low" }, CancellationToken.None);
        await notifier.NotifyAsync(Event with { Type = "lease.acquired" }, CancellationToken.None);

        pools.Requests.ShouldHaveSingleItem().Headers["X-ProxyKit-Event"].ShouldBe("proxy.pool_low");
        credits.Requests.ShouldHaveSingleItem().Headers["X-ProxyKit-Event"].ShouldBe("credits.low");
    }

    [Fact]
    public async Task Dispatcher_WebhookConfigured_DeliversPublishedEventsInTheBackground()
    {
        var receiver = Track(WebhookReceiver.Start());
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(_logs));
        services.AddProxyKitPool(o => o.Notifications.Webhooks.Add(Hook("ops", receiver.Url, ["proxy.*"])));
        var provider = services.BuildServiceProvider();
        _resources.Insert(0, provider);

        await provider.GetRequiredService<IPoolEvents>().PublishAsync("proxy.pool_low", Event.Data);
        await provider.GetRequiredService<IPoolEvents>().PublishAsync("credits.low", Event.Data);

        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1, "the webhook received the event");
        await Eventually.HoldsAsync(() => _logs.Entries.Count(e => e.EventId.Id == 6304) == 2, "the log notifier logged both");
        receiver.Requests.Single().Headers["X-ProxyKit-Event"].ShouldBe("proxy.pool_low");
    }

    [Fact]
    public void RetryDelay_Attempts_GrowExponentiallyWithJitterAndCap()
    {
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var delay = WebhookNotifier.RetryDelay(TimeSpan.FromSeconds(1), attempt);
            var floor = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
            delay.ShouldBeGreaterThanOrEqualTo(floor);
            delay.ShouldBeLessThanOrEqualTo(floor * 1.5);
        }

        WebhookNotifier.RetryDelay(TimeSpan.FromSeconds(30), 10).ShouldBe(TimeSpan.FromMinutes(1));
    }

    private static WebhookOptions Hook(string name, Uri url, string[]? subscriptions = null, int maxAttempts = 4) => new()
    {
        Name = name,
        Url = url,
        Secret = Secret,
        Subscriptions = subscriptions ?? ["*"],
        MaxAttempts = maxAttempts,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private WebhookNotifier Create(WebhookReceiver receiver, int maxAttempts = 4) => Create(receiver.Url, maxAttempts);

    private WebhookNotifier Create(Uri url, int maxAttempts = 4) => Create(o => o.Notifications.Webhooks.Add(Hook("ops", url, maxAttempts: maxAttempts)));

    private WebhookNotifier Create(Action<PoolOptions> configure)
    {
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        services.AddProxyKitPool(configure);
        var provider = services.BuildServiceProvider();
        _resources.Add(provider);
        return provider.GetServices<IPoolNotifier>().OfType<WebhookNotifier>().Single();
    }

    private T Track<T>(T resource)
        where T : IAsyncDisposable
    {
        _resources.Add(resource);
        return resource;
    }
}
