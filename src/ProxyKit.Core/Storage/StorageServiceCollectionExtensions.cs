using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ProxyKit;
using ProxyKit.Configuration;
using ProxyKit.Storage;
using ProxyKit.Storage.Internal;
using ProxyKit.Storage.Migrations;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit storage: the shared <see cref="ProxyKitDatabase"/>, migrations and the start-up migration run.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the storage core. An engine must be chosen with <c>UseSqlite(...)</c> (ProxyKit.Sqlite) or
    /// <c>UsePostgres(...)</c> (ProxyKit.Postgres); without one the host fails at start saying so.
    /// Safe to call more than once.
    /// </summary>
    public static IStorageBuilder AddProxyKitStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<StorageOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ProxyKitDatabase>(_ => throw new ProxyKitException(
            "No ProxyKit storage engine is configured: call UseSqlite(...) (package ProxyKit.Sqlite) or UsePostgres(...) (package ProxyKit.Postgres) on AddProxyKitStorage()."));
        services.TryAddSingleton<MigrationRunner>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MigrationHostedService>());
        return new StorageBuilder(services);
    }

    /// <summary>Adds the storage core with options.</summary>
    public static IStorageBuilder AddProxyKitStorage(this IServiceCollection services, Action<StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitStorage();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the storage core with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IStorageBuilder AddProxyKitStorage(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitStorage();
        services.AddOptions<StorageOptions>().BindStrict(section);
        return builder;
    }

    /// <summary>
    /// Registers a module's migrations (called by each package's <c>AddProxyKitXxx</c>). Registering the same
    /// module twice counts once; another assembly claiming a registered module name is an error.
    /// </summary>
    public static IServiceCollection AddProxyKitMigrations(this IServiceCollection services, string moduleName, System.Reflection.Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(assembly);
        var existing = services.Select(d => d.ImplementationInstance).OfType<MigrationModule>().FirstOrDefault(m => m.Name == moduleName);
        if (existing is not null)
        {
            return existing.Assembly == assembly
                ? services
                : throw new ProxyKitException($"Migration module '{moduleName}' is already registered by {existing.Assembly?.GetName().Name}.");
        }

        services.AddProxyKitStorage();
        services.AddSingleton(MigrationModule.FromAssembly(moduleName, assembly));
        return services;
    }
}
