using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProxyKit.Coordination;
using ProxyKit.Storage;
using ProxyKit.Storage.Migrations;

namespace ProxyKit.Core.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public void AddProxyKitCoordination_CalledTwice_RegistersEachServiceOnceAndResolves()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddProxyKitCoordination();
        services.AddProxyKitCoordination();

        services.Count(d => d.ServiceType == typeof(IKeyedRateLimiter)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(IEventBus)).ShouldBe(1);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IKeyedRateLimiter>().ShouldBeOfType<InProcessKeyedRateLimiter>();
        provider.GetRequiredService<IEventBus>().ShouldBeOfType<InProcessEventBus>();
        provider.GetRequiredService<IDistributedLock>().ShouldBeOfType<InProcessDistributedLock>();
        provider.GetRequiredService<ICoordinationBackend>().Name.ShouldBe("in-process");
    }

    [Fact]
    public void AddProxyKitStorageAndCoordination_CalledTwice_RegisterNothingTwice() =>
        ProxyKit.Testing.DependencyInjectionAssertions.AddingTwiceRegistersOnce(services =>
        {
            services.AddProxyKitStorage();
            services.AddProxyKitCoordination();
        });

    [Fact]
    public async Task AddProxyKitStorage_WithoutEngine_HostFailsAtStartSayingWhatToCall()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddProxyKitStorage();
        using var host = builder.Build();

        var error = await Should.ThrowAsync<ProxyKitException>(() => host.StartAsync());

        error.Message.ShouldContain("UseSqlite");
        error.Message.ShouldContain("UsePostgres");
    }

    [Fact]
    public async Task AddProxyKitStorage_UnknownConfigurationKey_HostFailsAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ProxyKit:Storage:MigrateOnStartupp"] = "false" });
        builder.Services.AddProxyKitStorage(builder.Configuration.GetSection("ProxyKit:Storage"));
        using var host = builder.Build();

        var error = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        error.Message.ShouldContain("MigrateOnStartupp");
    }

    [Fact]
    public void AddProxyKitMigrations_SameModuleTwice_RegistersOnce_OtherAssemblyWithSameNameThrows()
    {
        var services = new ServiceCollection();
        services.AddProxyKitMigrations("sample", typeof(DependencyInjectionTests).Assembly);
        services.AddProxyKitMigrations("sample", typeof(DependencyInjectionTests).Assembly);

        services.Count(d => d.ServiceType == typeof(MigrationModule)).ShouldBe(1);
        services.Count(d => d.ImplementationType?.Name == "MigrationHostedService").ShouldBe(1);
        Should.Throw<ProxyKitException>(() => services.AddProxyKitMigrations("sample", typeof(ProxyKitException).Assembly));
    }

    [Fact]
    public void MigrationRunner_TwoDifferentModulesWithOneName_Throws()
    {
        var database = new ProxyKitDatabase(new NeverUsedDataSource(), new NeverUsedDialect());

        Should.Throw<ProxyKitException>(() => new MigrationRunner(database,
            [MigrationModule.FromScripts("a", []), MigrationModule.FromScripts("a", [])], TimeProvider.System));
    }

    private sealed class NeverUsedDataSource : System.Data.Common.DbDataSource
    {
        public override string ConnectionString => string.Empty;

        protected override System.Data.Common.DbConnection CreateDbConnection() => throw new InvalidOperationException("not used");
    }

    private sealed class NeverUsedDialect : SqlDialect
    {
        public override string Name => "none";

        public override bool SupportsSkipLocked => false;

        public override string ForUpdate => string.Empty;

        public override string ForUpdateSkipLocked => string.Empty;

        public override string TimestampType => "TEXT";

        public override bool TryGetUniqueViolation(Exception exception, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UniqueViolation? violation)
        {
            violation = null;
            return false;
        }

        public override ValueTask<System.Data.Common.DbTransaction> BeginWriteTransactionAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not used");

        public override ValueTask<System.Data.Common.DbTransaction> BeginMigrationTransactionAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("not used");
    }
}
