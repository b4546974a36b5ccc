using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;
using ProxyKit.Testing;

namespace ProxyKit.Relay.Tests.Instances;

public sealed class AddressAllocatorRegistrationTests
{
    [Fact]
    public void AddAddressAllocator_CalledTwice_RegistersNothingTwice() =>
        DependencyInjectionAssertions.AddingTwiceRegistersOnce(services => services.AddProxyKitRelay().AddAddressAllocator());

    [Fact]
    public Task AddAddressAllocator_NegativeQuarantine_HostFailsAtStart() =>
        DependencyInjectionAssertions.StartFailsAsync<OptionsValidationException>(
            services => services.AddProxyKitRelay().AddAddressAllocator(o => o.Quarantine = TimeSpan.FromDays(-1)),
            "Quarantine");

    [Fact]
    public async Task AddAddressAllocator_WithSqlite_MigratesAtStartAndAllocates()
    {
        var folder = Directory.CreateTempSubdirectory("proxykit-allocator-");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddProxyKitStorage().UseSqlite($"Data Source={Path.Combine(folder.FullName, "a.db")}");
            builder.Services.AddProxyKitRelay().AddAddressAllocator();
            using var host = builder.Build();
            await host.StartAsync();

            var allocator = host.Services.GetRequiredService<IIPv6AddressAllocator>();
            var address = await allocator.AllocateAsync(IPNetwork.Parse("2001:db8:5::/64"));

            IPNetwork.Parse("2001:db8:5::/64").Contains(address).ShouldBeTrue();
            await host.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }
}
