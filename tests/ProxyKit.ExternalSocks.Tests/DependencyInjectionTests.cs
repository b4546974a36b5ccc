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

    [Fact]
    public void AddProxyKitExternalSocks_ProvidersSection_RegistersEachNamedProvider()
    {
        using var provider = WithKey(new ServiceCollection().AddLogging())
            .AddProxyKitExternalSocks(Configuration(
                ("BaseUrl", "http://127.0.0.1:5101/api/"),
                ("Providers:backup:BaseUrl", "http://127.0.0.1:5102/api/"),
                ("Providers:backup:ApiToken", "backup-token"),
                ("Providers:backup:TimeoutSeconds", "7"),
                ("Providers:Spare:BaseUrl", "http://127.0.0.1:5103/api/"),
                ("Providers:Spare:ApiToken", "spare-token")))
            .Services.BuildServiceProvider(validateScopes: true);

        var providers = provider.GetRequiredService<ProxyKit.ExternalSocks.Provider.IExternalSocksProviders>();
        providers.All.Select(static p => p.Name).Order(StringComparer.OrdinalIgnoreCase).ShouldBe(["backup", "default", "Spare"]);
        providers.TryGet("BACKUP", out var backup).ShouldBeTrue("names are case-insensitive");
        backup!.Name.ShouldBe("backup");
        var named = provider.GetRequiredService<IOptionsMonitor<ProxyKit.ExternalSocks.Provider.ExternalSocksProviderOptions>>();
        named.Get("backup").BaseUrl.ShouldBe(new Uri("http://127.0.0.1:5102/api/"));
        named.Get("backup").TimeoutSeconds.ShouldBe(7);
        named.Get("Spare").ApiToken.ShouldBe("spare-token");
        named.Get("default").BaseUrl.ShouldBe(new Uri("http://127.0.0.1:5101/api/"));
    }

    [Fact]
    public Task AddProxyKitExternalSocks_ConfiguredProviderWithoutToken_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitExternalSocks(Configuration(("Providers:backup:BaseUrl", "http://127.0.0.1:5102/api/"))),
            "ExternalSocks provider 'backup': ApiToken is required");

    [Fact]
    public Task AddProxyKitExternalSocks_UnknownKeyOfAConfiguredProvider_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => WithKey(services).AddProxyKitExternalSocks(Configuration(
                ("Providers:backup:BaseUrl", "http://127.0.0.1:5102/api/"), ("Providers:backup:ApiToken", "t"), ("Providers:backup:Tokn", "x"))),
            "Tokn");

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    // Purchases seal credentials: the shop needs the secrets key, whose absence would be a second start-up failure.
    private static IServiceCollection WithKey(IServiceCollection services) =>
        services.AddProxyKitSecrets().Configure<ProxyKit.Secrets.SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));
}
