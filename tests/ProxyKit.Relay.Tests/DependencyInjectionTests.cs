using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Testing;

namespace ProxyKit.Relay.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitRelay_Defaults_ResolveAndAreValid()
    {
        using var provider = new ServiceCollection().AddProxyKitRelay().Services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<IOptions<RelayOptions>>().Value;

        options.HandshakeTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        provider.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
    }

    [Fact]
    public void AddProxyKitRelay_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitRelay());

    [Fact]
    public Task AddProxyKitRelay_InvalidOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => services.AddProxyKitRelay(o => o.HandshakeTimeout = TimeSpan.FromDays(-1)),
            "ProxyKit:Relay:HandshakeTimeout");

    [Fact]
    public Task AddProxyKitRelay_UnknownConfigurationKey_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => services.AddProxyKitRelay(Configuration(("HandshakeTimeoutx", "1"))),
            "HandshakeTimeoutx");

    [Fact]
    public void AddProxyKitRelay_ConfigurationSection_Binds()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitRelay(Configuration(("HandshakeTimeout", "00:00:42")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<RelayOptions>>().Value.HandshakeTimeout.ShouldBe(TimeSpan.FromSeconds(42));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
