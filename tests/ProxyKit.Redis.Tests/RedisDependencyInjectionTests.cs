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

    [Fact]
    public void UseRedis_CalledTwiceWithoutArguments_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitCoordination().UseRedis());
}
