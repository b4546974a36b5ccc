using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Coordination;
using ProxyKit.Testing;

namespace ProxyKit.Redis.Tests;

public sealed class RedisDependencyInjectionTests
{
    [SkippableFact]
    public async Task UseRedis_CalledTwice_ReplacesInProcessServicesOnceAndPings()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitCoordination().UseRedis(TestEnvironment.RequireRedis());
        builder.Services.AddProxyKitCoordination().UseRedis(TestEnvironment.RequireRedis());
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            builder.Services.Count(d => d.ServiceType == typeof(IKeyedRateLimiter)).ShouldBe(1);
            builder.Services.Count(d => d.ServiceType == typeof(IHostedService)).ShouldBe(1);
            host.Services.GetRequiredService<IKeyedRateLimiter>().GetType().Name.ShouldBe("RedisKeyedRateLimiter");
            host.Services.GetRequiredService<IEventBus>().GetType().Name.ShouldBe("RedisEventBus");
            host.Services.GetRequiredService<IDistributedLock>().GetType().Name.ShouldBe("RedisDistributedLock");
            var backend = host.Services.GetRequiredService<ICoordinationBackend>();
            backend.Name.ShouldBe("redis");
            (await backend.PingAsync()).ShouldBeTrue();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("127.0.0.1:6379,bogusoption=1", "not a valid Redis configuration string")]
    public async Task UseRedis_BadConfiguration_FailsAtStartNamingTheSetting(string configuration, string reason)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitCoordination().UseRedis(configuration);
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(RedisCoordinationOptions.ConfigurationSetting);
        error.Message.ShouldContain(reason);
    }

    [Fact]
    public async Task UseRedis_NothingListens_FailsAtStartNamingTheSettingButNotThePassword()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitCoordination().UseRedis($"127.0.0.1:{TestNetwork.UnusedLoopbackPort()},password=hunter2-secret,connectTimeout=500");
        using var host = builder.Build();

        var error = await Should.ThrowAsync<ProxyKitException>(() => host.StartAsync());

        error.Message.ShouldContain(RedisCoordinationOptions.ConfigurationSetting);
        error.ToString().ShouldNotContain("hunter2-secret");
    }

    [SkippableFact]
    public async Task UseRedis_FirstHandshakesTimeOut_StartWaitsForTheReconnectAndEventsArriveOnce()
    {
        await using var forwarder = new StallingForwarder(TestEnvironment.RequireRedis(), stallFirst: 4);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitCoordination().UseRedis(o =>
        {
            o.Configuration = forwarder.Endpoint + ",connectTimeout=1000";
            o.KeyPrefix = $"test:{Guid.NewGuid():N}:";
        });
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            forwarder.Stalled.ShouldBe(4);
            var bus = host.Services.GetRequiredService<IEventBus>();
            var received = new List<string>();
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var subscription = await bus.SubscribeAsync("probe.*", (message, _) =>
            {
                lock (received)
                {
                    received.Add(message.Payload);
                }

                arrived.TrySetResult();
                return ValueTask.CompletedTask;
            });

            await bus.PublishAsync("probe.one", "hello");
            await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(200); // a duplicate delivery would land by now
            lock (received)
            {
                received.ShouldBe(["hello"]);
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void UseRedis_CalledTwiceWithoutArguments_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitCoordination().UseRedis());
}
