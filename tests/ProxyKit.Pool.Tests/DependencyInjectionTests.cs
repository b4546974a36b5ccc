using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Testing;

namespace ProxyKit.Pool.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitPool_Defaults_ResolveAndAreValid()
    {
        using var provider = new ServiceCollection().AddProxyKitPool().Services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<IOptions<PoolOptions>>().Value;

        options.DefaultLeaseDuration.ShouldBe(TimeSpan.FromSeconds(300));
        provider.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
    }

    [Fact]
    public void AddProxyKitPool_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitPool());

    [Fact]
    public Task AddProxyKitPool_InvalidOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool(o => o.DefaultLeaseDuration = TimeSpan.FromDays(-1)),
            "ProxyKit:Pool:DefaultLeaseDuration");

    [Fact]
    public Task AddProxyKitPool_UnknownConfigurationKey_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => services.AddProxyKitPool(Configuration(("DefaultLeaseDurationx", "1"))),
            "DefaultLeaseDurationx");

    [Fact]
    public void AddProxyKitPool_ConfigurationSection_Binds()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitPool(Configuration(("DefaultLeaseDuration", "00:00:42")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<PoolOptions>>().Value.DefaultLeaseDuration.ShouldBe(TimeSpan.FromSeconds(42));
    }

    [Fact]
    public Task AddParser_TwoParsersWithOneName_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => WithKey(services).AddProxyKitPool().AddParser(_ => new NamedParser("PlainText")),
            "'plaintext' is registered 2 times");

    [Fact]
    public void AddProxyKitPool_RegistersThePlainTextParserInTheRegistry()
    {
        using var provider = new ServiceCollection().AddProxyKitPool().Services.BuildServiceProvider();

        var registry = provider.GetRequiredService<ProxyKit.Pool.Parsing.ProxyParserRegistry>();

        registry.Find("PLAINTEXT").ShouldBeOfType<ProxyKit.Pool.Parsing.PlainTextProxyParser>();
        registry.Find("nope").ShouldBeNull();
    }

    private sealed class NamedParser(string name) : ProxyKit.Pool.Parsing.IProxySourceParser
    {
        public string Name => name;

        public bool Supports(ProxyKit.Pool.Parsing.ProxyDocumentProbe probe) => false;

        public ValueTask ParseAsync(Stream content, ProxyKit.Pool.Parsing.ProxyParseContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    // Only the option under test may be invalid: the pool also needs the secret key.
    private static IServiceCollection WithKey(IServiceCollection services) =>
        services.AddProxyKitSecrets().Configure<ProxyKit.Secrets.SecretsOptions>(o => o.Key = Convert.ToBase64String(new byte[32]));
}
