using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Secrets;
using ProxyKit.Sqlite;

namespace ProxyKit.Samples;

/// <summary>What every sample host shares: storage, coordination and secrets chosen from the <c>ProxyKit</c> configuration.</summary>
internal static class InfrastructureComposition
{
    /// <summary>
    /// PostgreSQL when <c>ProxyKit:Postgres:ConnectionString</c> is set, else the embedded SQLite file (relative paths
    /// anchored at <paramref name="contentRoot"/>); Redis coordination when <c>ProxyKit:Redis:Configuration</c> is set;
    /// the secret key from <c>ProxyKit:Secrets</c>, else a key file created under <c>data/</c>.
    /// </summary>
    public static IServiceCollection AddProxyKitInfrastructure(this IServiceCollection services, IConfigurationSection proxyKit, string contentRoot)
    {
        var storage = services.AddProxyKitStorage(proxyKit.GetSection("Storage"));
        if (UsesPostgres(proxyKit))
        {
            storage.UsePostgres(proxyKit.GetSection("Postgres"));
        }
        else
        {
            storage.UseSqlite(proxyKit.GetSection("Sqlite"));
            services.PostConfigure<SqliteStorageOptions>(o => o.ConnectionString = AnchorSqlitePath(o.ConnectionString, contentRoot));
        }

        var coordination = services.AddProxyKitCoordination();
        if (!string.IsNullOrWhiteSpace(proxyKit["Redis:Configuration"]))
        {
            coordination.UseRedis(proxyKit.GetSection("Redis"));
        }

        // Hosts sharing a database must share the key: configure ProxyKit:Secrets:Key (or the same KeyFile) on each.
        services.AddProxyKitSecrets(proxyKit.GetSection("Secrets"));
        services.PostConfigure<SecretsOptions>(o =>
        {
            if (string.IsNullOrWhiteSpace(o.Key) && string.IsNullOrWhiteSpace(o.KeyFile))
            {
                o.KeyFile = Path.Combine(contentRoot, "data", "secrets.key");
                o.CreateKeyFileIfMissing = true;
            }
            else if (o.KeyFile is { } file && !Path.IsPathRooted(file))
            {
                o.KeyFile = Path.GetFullPath(Path.Combine(contentRoot, file));
            }
        });
        return services;
    }

    public static bool UsesPostgres(IConfigurationSection proxyKit) => !string.IsNullOrWhiteSpace(proxyKit["Postgres:ConnectionString"]);

    private static string AnchorSqlitePath(string connectionString, string contentRoot)
    {
        try
        {
            var builder = new SqliteConnectionStringBuilder(connectionString);
            if (!string.IsNullOrWhiteSpace(builder.DataSource) && builder.DataSource != ":memory:" && !Path.IsPathRooted(builder.DataSource))
            {
                builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, builder.DataSource));
            }

            return builder.ToString();
        }
        catch (ArgumentException)
        {
            return connectionString; // left for the options validator to report, naming the setting
        }
    }
}
