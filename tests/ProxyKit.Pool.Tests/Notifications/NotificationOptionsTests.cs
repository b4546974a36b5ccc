using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Secrets;
using ProxyKit.Testing;

namespace ProxyKit.Pool.Tests.Notifications;

public sealed class NotificationOptionsTests
{
    private static readonly Uri HookUrl = new("https://hooks.example.com/pool");

    [Fact]
    public void NotificationOptions_Defaults_AreDocumentedValuesAndValid()
    {
        var options = new PoolOptions();

        options.Notifications.PoolLowThreshold.ShouldBe(10);
        options.Notifications.PoolLowRecoverThreshold.ShouldBe(20);
        options.Notifications.CreditsLowThreshold.ShouldBe(10);
        options.Notifications.MonitorInterval.ShouldBe(TimeSpan.FromSeconds(30));
        options.Notifications.QueueCapacity.ShouldBe(1024);
        options.Notifications.DeliveryTimeout.ShouldBe(TimeSpan.FromMinutes(2));
        options.Notifications.Log.Enabled.ShouldBeTrue();
        options.Notifications.Log.Subscriptions.ShouldBe(["*"]);
        options.Notifications.Webhooks.ShouldBeEmpty();
        var hook = new WebhookOptions();
        hook.MaxAttempts.ShouldBe(5);
        hook.Timeout.ShouldBe(TimeSpan.FromSeconds(10));
        hook.RetryBaseDelay.ShouldBe(TimeSpan.FromSeconds(1));
        hook.Subscriptions.ShouldBe(["*"]);
        new NotificationOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData("PoolLowThreshold")]
    [InlineData("PoolLowRecoverThreshold")]
    [InlineData("CreditsLowThreshold")]
    [InlineData("MonitorInterval")]
    [InlineData("QueueCapacity")]
    [InlineData("DeliveryTimeout")]
    [InlineData("Log:Subscriptions")]
    [InlineData("Webhooks:0:Name")]
    [InlineData("Webhooks:1:Name")]
    [InlineData("Webhooks:0:Url")]
    [InlineData("Webhooks:0:Secret")]
    [InlineData("Webhooks:0:MaxAttempts")]
    [InlineData("Webhooks:0:Timeout")]
    [InlineData("Webhooks:0:RetryBaseDelay")]
    [InlineData("Webhooks:0:Subscriptions")]
    public void Validate_InvalidSetting_FailsNamingIt(string setting)
    {
        var options = new PoolOptions();
        options.Notifications.Webhooks.Add(new WebhookOptions { Name = "ops", Url = HookUrl, Secret = "0123456789abcdef" });
        Break(options.Notifications, setting);

        var result = new NotificationOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage!.ShouldContain("ProxyKit:Pool:Notifications:" + setting);
    }

    [Fact]
    public void Validate_ShortSecret_MessageNeverContainsIt()
    {
        var options = new PoolOptions();
        options.Notifications.Webhooks.Add(new WebhookOptions { Name = "ops", Url = HookUrl, Secret = "short-secret" });

        var result = new NotificationOptionsValidator().Validate(null, options);

        result.FailureMessage!.ShouldContain("ProxyKit:Pool:Notifications:Webhooks:0:Secret");
        result.FailureMessage!.ShouldNotContain("short-secret");
    }

    [Fact]
    public Task AddProxyKitPool_InvalidNotificationSetting_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool(o => o.Notifications.PoolLowRecoverThreshold = 1),
            "ProxyKit:Pool:Notifications:PoolLowRecoverThreshold");

    [Fact]
    public Task AddNotifier_TwoNotifiersWithOneName_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool().AddNotifier(_ => new RecordingNotifier("Log", "*")),
            "'log' is registered 2 times");

    [Fact]
    public Task AddNotifier_InvalidSubscription_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool().AddNotifier(_ => new RecordingNotifier("custom", "proxy pool")),
            "'custom' subscribes to the invalid pattern 'proxy pool'");

    [Fact]
    public void AddNotifierAndAddPoolMonitor_CalledTwice_RegisterOnce() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitPool().AddNotifier<CustomNotifier>().AddPoolMonitor());

    [Fact]
    public void AddPoolMonitor_Registered_OneHostedMonitorAndTheDispatcherHost()
    {
        var services = new ServiceCollection();
        services.AddProxyKitPool().AddPoolMonitor().AddPoolMonitor();

        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(PoolHealthService)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(PoolEventDispatcherHost)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(PoolLowMonitor)).ShouldBe(1);
    }

    [Fact]
    public async Task AddNotifier_Type_ResolvedAndListedWithTheBuiltIns()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddProxyKitPool().AddNotifier<CustomNotifier>();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        provider.GetServices<IPoolNotifier>().Select(n => n.Name).ShouldBe(["log", "webhook", "custom"], ignoreOrder: true);
        provider.GetRequiredService<IOptions<PoolOptions>>().Value.ShouldNotBeNull();
    }

    private static IServiceCollection WithKey(IServiceCollection services)
    {
        services.AddProxyKitSecrets().Configure<SecretsOptions>(o => o.Key = PoolHarness.SecretKey);
        return services;
    }

    private static void Break(NotificationOptions o, string setting)
    {
        switch (setting)
        {
            case "PoolLowThreshold": o.PoolLowThreshold = -1; break;
            case "PoolLowRecoverThreshold": o.PoolLowRecoverThreshold = o.PoolLowThreshold - 1; break;
            case "CreditsLowThreshold": o.CreditsLowThreshold = -1; break;
            case "MonitorInterval": o.MonitorInterval = TimeSpan.Zero; break;
            case "QueueCapacity": o.QueueCapacity = 0; break;
            case "DeliveryTimeout": o.DeliveryTimeout = TimeSpan.Zero; break;
            case "Log:Subscriptions": o.Log.Subscriptions = ["bad pattern"]; break;
            case "Webhooks:0:Name": o.Webhooks[0].Name = "has space"; break;
            case "Webhooks:1:Name": o.Webhooks.Add(new WebhookOptions { Name = "OPS", Url = HookUrl, Secret = "0123456789abcdef" }); break;
            case "Webhooks:0:Url": o.Webhooks[0].Url = new Uri("ftp://example.com/x"); break;
            case "Webhooks:0:Secret": o.Webhooks[0].Secret = string.Empty; break;
            case "Webhooks:0:MaxAttempts": o.Webhooks[0].MaxAttempts = 0; break;
            case "Webhooks:0:Timeout": o.Webhooks[0].Timeout = TimeSpan.Zero; break;
            case "Webhooks:0:RetryBaseDelay": o.Webhooks[0].RetryBaseDelay = TimeSpan.FromHours(1); break;
            case "Webhooks:0:Subscriptions": o.Webhooks[0].Subscriptions = [""]; break;
            default: throw new ArgumentOutOfRangeException(nameof(setting), setting, null);
        }
    }

    private sealed class CustomNotifier : IPoolNotifier
    {
        public string Name => "custom";

        public IReadOnlyList<string> Subscriptions => ["credits.*"];

        public bool IsHealthy => true;

        public ValueTask NotifyAsync(PoolEvent poolEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
