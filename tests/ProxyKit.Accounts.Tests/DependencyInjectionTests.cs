using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Testing;

namespace ProxyKit.Accounts.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitAccounts_Defaults_ResolveAndAreValid()
    {
        using var provider = new ServiceCollection().AddProxyKitAccounts().Services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<IOptions<AccountsOptions>>().Value;

        options.KeyCacheDuration.ShouldBe(TimeSpan.FromMinutes(1));
        provider.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
    }

    [Fact]
    public void AddProxyKitAccounts_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitAccounts());

    [Fact]
    public Task AddProxyKitAccounts_InvalidOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => services.AddProxyKitAccounts(o => o.KeyCacheDuration = TimeSpan.FromDays(-1)),
            "ProxyKit:Accounts:KeyCacheDuration");

    [Fact]
    public Task AddProxyKitAccounts_UnknownConfigurationKey_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => services.AddProxyKitAccounts(Configuration(("KeyCacheDurationx", "1"))),
            "KeyCacheDurationx");

    [Fact]
    public void AddProxyKitAccounts_ConfigurationSection_Binds()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitAccounts(Configuration(("KeyCacheDuration", "00:00:42")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<AccountsOptions>>().Value.KeyCacheDuration.ShouldBe(TimeSpan.FromSeconds(42));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
