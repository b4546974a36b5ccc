using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Addressing;
using ProxyKit.Relay.Instances;
using ProxyKit.Testing;
using ProxyKit.Windows.Internal;

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

    [SkippableFact]
    public void AddProxyKitWindows_NotOnWindows_RegistersOnlyTheOptions()
    {
        Skip.If(OperatingSystem.IsWindows(), "on Windows the assigner is registered (AddProxyKitWindows_OnWindows_ResolvesTheWindowsAssigner)");

        var services = new ServiceCollection().AddProxyKitWindows().Services;

        services.ShouldNotContain(d => d.ServiceType == typeof(IAddressAssigner));
        services.ShouldNotContain(d => d.ServiceType == typeof(IHostedService));
    }

    [SkippableFact]
    [SupportedOSPlatform("windows")]
    public void AddProxyKitWindows_OnWindows_ResolvesTheWindowsAssigner()
    {
        Skip.IfNot(OperatingSystem.IsWindows(), "needs Windows (IP Helper API)");
        using var provider = new ServiceCollection().AddProxyKitWindows().Services.BuildServiceProvider(validateScopes: true);

        provider.GetRequiredService<IAddressAssigner>().ShouldBeOfType<WindowsAddressAssigner>();
    }

    // The Windows registrations resolve on any OS: nothing native runs before an address is assigned.
    [Fact]
    public void WindowsServices_EveryServiceResolves()
    {
        using var provider = WindowsServices().BuildServiceProvider(validateScopes: true);

        var assigner = provider.GetRequiredService<IAddressAssigner>().ShouldBeOfType<WindowsAddressAssigner>();
        assigner.ShouldBeSameAs(provider.GetRequiredService<WindowsAddressAssigner>());
#pragma warning disable CA1416 // only its type is looked at
        provider.GetRequiredService<IWindowsFirewall>().ShouldBeOfType<PowerShellWindowsFirewall>();
#pragma warning restore CA1416
        provider.GetServices<IHostedService>().ShouldHaveSingleItem().ShouldBeOfType<FirewallRuleHostedService>();
    }

    [Fact]
    public void WindowsServices_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => WindowsServices(services));

    [Fact]
    public void WindowsServices_BeforeAddRelayInstances_WinOverRelaysDefaultAssigner()
    {
        var services = WindowsServices();
        services.AddProxyKitRelay().AddRelayInstances();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IAddressAssigner>().ShouldBeOfType<WindowsAddressAssigner>();
    }

    [Fact]
    public void WindowsServices_LifetimeShorterThanInstanceRenewals_FailsNamingBothSettings()
    {
        var services = WindowsServices();
        services.Configure<WindowsOptions>(o => o.AddressLifetime = TimeSpan.FromMinutes(2));
        services.AddProxyKitRelay().AddRelayInstances(o => o.AddressLifetime = TimeSpan.FromMinutes(10));
        using var provider = services.BuildServiceProvider();

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RelayInstanceOptions>>().Value)
            .Message.ShouldContain("ProxyKit:Windows:AddressLifetime");
    }

    private static IServiceCollection WindowsServices(IServiceCollection? services = null)
    {
        services ??= new ServiceCollection();
        services.AddProxyKitWindows();
#pragma warning disable CA1416 // registering is safe anywhere; only calling the assigner needs Windows
        WindowsServiceCollectionExtensions.AddWindowsServices(services);
#pragma warning restore CA1416
        return services;
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
