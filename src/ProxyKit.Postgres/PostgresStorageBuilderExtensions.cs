using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ProxyKit.Configuration;
using ProxyKit.Postgres;
using ProxyKit.Postgres.Internal;
using ProxyKit.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses PostgreSQL as ProxyKit's storage engine.</summary>
public static class PostgresStorageBuilderExtensions
{
    /// <summary>Stores everything in PostgreSQL; the connection string comes from <see cref="PostgresStorageOptions"/>. Replaces an engine chosen before.</summary>
    public static IStorageBuilder UsePostgres(this IStorageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddProxyKitOptions<PostgresStorageOptions, PostgresStorageOptionsValidator>();
        services.Replace(ServiceDescriptor.Singleton(sp => PostgresStorage.CreateDatabase(sp.GetRequiredService<IOptions<PostgresStorageOptions>>().Value)));
        return builder;
    }

    /// <summary>Stores everything in the PostgreSQL database named by <paramref name="connectionString"/>.</summary>
    public static IStorageBuilder UsePostgres(this IStorageBuilder builder, string connectionString)
    {
        builder.UsePostgres();
        builder.Services.Configure<PostgresStorageOptions>(o => o.ConnectionString = connectionString);
        return builder;
    }

    /// <summary>Stores everything in PostgreSQL with options configured in code.</summary>
    public static IStorageBuilder UsePostgres(this IStorageBuilder builder, Action<PostgresStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.UsePostgres();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Stores everything in PostgreSQL with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IStorageBuilder UsePostgres(this IStorageBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.UsePostgres();
        builder.Services.AddOptions<PostgresStorageOptions>().BindStrict(section);
        return builder;
    }
}
