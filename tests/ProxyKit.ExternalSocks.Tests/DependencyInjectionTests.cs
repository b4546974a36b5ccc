using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Testing;

namespace ProxyKit.ExternalSocks.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitExternalSocks_Defaults_ResolveAndAreValid()
    {
        using var provider = new ServiceCollection().AddProxyKitExternalSocks().Services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<IOptions<ExternalSocksOptions>>().Value;

        options.TimeoutSeconds.ShouldBe(30);
        provider.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
    }

    [Fact]
    public void AddProxyKitExternalSocks_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitExternalSocks());

    [Fact]
    public Task AddProxyKitExternalSocks_InvalidOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitExternalSocks(o => o.TimeoutSeconds = -1),
            "ProxyKit:ExternalSocks:TimeoutSeconds");

    [Fact]
    public Task AddProxyKitExternalSocks_UnknownConfigurationKey_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => services.AddProxyKitExternalSocks(Configuration(("TimeoutSecondsx", "1"))),
            "TimeoutSecondsx");

    [Fact]
    public void AddProxyKitExternalSocks_ConfigurationSection_Binds()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitExternalSocks(Configuration(("TimeoutSeconds", "42")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<ExternalSocksOptions>>().Value.TimeoutSeconds.ShouldBe(42);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    // Purchases seal credentials: the shop needs the secrets key, whose absence would be a second start-up failure.
    private static IServiceCollection WithKey(IServiceCollection services) =>
        services.AddProxyKitSecrets().Configure<ProxyKit.Secrets.SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));
}
