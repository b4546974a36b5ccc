using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ProxyKit.Testing;

namespace ProxyKit.Windows.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitWindows_Defaults_ResolveAndAreValid()
    {
        using var provider = new ServiceCollection().AddProxyKitWindows().Services.BuildServiceProvider(validateScopes: true);

        var options = provider.GetRequiredService<IOptions<WindowsOptions>>().Value;

        options.DuplicateAddressDetectionTimeout.ShouldBe(TimeSpan.FromSeconds(5));
        provider.GetRequiredService<TimeProvider>().ShouldBe(TimeProvider.System);
    }

    [Fact]
    public void AddProxyKitWindows_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitWindows());

    [Fact]
    public Task AddProxyKitWindows_InvalidOption_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => services.AddProxyKitWindows(o => o.DuplicateAddressDetectionTimeout = TimeSpan.FromDays(-1)),
            "ProxyKit:Windows:DuplicateAddressDetectionTimeout");

    [Fact]
    public Task AddProxyKitWindows_UnknownConfigurationKey_HostFailsAtStartNamingIt() =>
        DependencyInjectionAssertions.StartFailsAsync<InvalidOperationException>(
            services => services.AddProxyKitWindows(Configuration(("DuplicateAddressDetectionTimeoutx", "1"))),
            "DuplicateAddressDetectionTimeoutx");

    [Fact]
    public void AddProxyKitWindows_ConfigurationSection_Binds()
    {
        using var provider = new ServiceCollection()
            .AddProxyKitWindows(Configuration(("DuplicateAddressDetectionTimeout", "00:00:42")))
            .Services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<WindowsOptions>>().Value.DuplicateAddressDetectionTimeout.ShouldBe(TimeSpan.FromSeconds(42));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
