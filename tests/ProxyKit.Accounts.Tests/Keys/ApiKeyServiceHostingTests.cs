using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProxyKit.Accounts.Keys;

namespace ProxyKit.Accounts.Tests.Keys;

public sealed class ApiKeyServiceHostingTests
{
    [Fact]
    public async Task ApiKeyService_InAHostWithSqlite_MigratesAtStartAndRegistersAndVerifies()
    {
        var folder = Directory.CreateTempSubdirectory("proxykit-test-").FullName;
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddProxyKitStorage().UseSqlite($"Data Source={Path.Combine(folder, "accounts.db")}");
            builder.Services.AddProxyKitAccounts();
            builder.Services.AddProxyKitCoordination();
            builder.Services.TryAddSingleton<ApiKeyService>();
            using var host = builder.Build();
            await host.StartAsync();

            var service = host.Services.GetRequiredService<ApiKeyService>();
            var registered = await service.RegisterAsync("host@example.com", "Host");

            registered.Succeeded.ShouldBeTrue(registered.Message);
            (await service.VerifyAsync(registered.ApiKey.Key))!.UserId.ShouldBe(registered.User.Id);
            await host.StopAsync();
            await ((IAsyncDisposable)host).DisposeAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
