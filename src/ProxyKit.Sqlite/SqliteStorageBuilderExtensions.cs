using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ProxyKit.Configuration;
using ProxyKit.Sqlite;
using ProxyKit.Sqlite.Internal;
using ProxyKit.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses SQLite as ProxyKit's storage engine.</summary>
public static class SqliteStorageBuilderExtensions
{
    /// <summary>Stores everything in a SQLite file (default <c>./data/proxykit.db</c>). Replaces an engine chosen before.</summary>
    public static IStorageBuilder UseSqlite(this IStorageBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddProxyKitOptions<SqliteStorageOptions, SqliteStorageOptionsValidator>();
        services.Replace(ServiceDescriptor.Singleton(sp => SqliteStorage.CreateDatabase(sp.GetRequiredService<IOptions<SqliteStorageOptions>>().Value)));
        return builder;
    }

    /// <summary>Stores everything in the SQLite database named by <paramref name="connectionString"/>.</summary>
    public static IStorageBuilder UseSqlite(this IStorageBuilder builder, string connectionString)
    {
        builder.UseSqlite();
        builder.Services.Configure<SqliteStorageOptions>(o => o.ConnectionString = connectionString);
        return builder;
    }

    /// <summary>Stores everything in SQLite with options configured in code.</summary>
    public static IStorageBuilder UseSqlite(this IStorageBuilder builder, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.UseSqlite();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Stores everything in SQLite with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IStorageBuilder UseSqlite(this IStorageBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        builder.UseSqlite();
        builder.Services.AddOptions<SqliteStorageOptions>().BindStrict(section);
        return builder;
    }
}
