using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Testing;

namespace ProxyKit.WireGuard.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitWireGuard_Defaults_ResolveAndAreValid()
    {
        using var provider = new ServiceCollection().AddProxyKitWireGuard().Services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<IOptions<WireGuardOptions>>().Value;

        options.AutoReleaseAfter.ShouldBe(TimeSpan.FromMinutes(10));
        provider.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
    }

    [Fact]
    public void AddProxyKitWireGuard_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitWireGuard());

    [Fact]
    public Task AddProxyKitWireGuard_InvalidOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitWireGuard(o => o.AutoReleaseAfter = TimeSpan.FromDays(-1)),
            "ProxyKit:WireGuard:AutoReleaseAfter");

    [Fact]
    public Task AddProxyKitWireGuard_UnknownConfigurationKey_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => services.AddProxyKitWireGuard(Configuration(("AutoReleaseAfterx", "1"))),
            "AutoReleaseAfterx");

    [Fact]
    public void AddProxyKitWireGuard_ConfigurationSection_Binds()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitWireGuard(Configuration(("AutoReleaseAfter", "00:42:00")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<WireGuardOptions>>().Value.AutoReleaseAfter.ShouldBe(TimeSpan.FromMinutes(42));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    // Server keys are sealed with the secrets key, whose absence would be a second start-up failure.
    private static IServiceCollection WithKey(IServiceCollection services) =>
        services.AddProxyKitSecrets().Configure<ProxyKit.Secrets.SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));
}
