using System.Text.Json;
using Microsoft.Data.Sqlite;
using ProxyKit.Sqlite;
using ProxyKit.Relay.Instances;
using ProxyKit.Server.Errors;
using ProxyKit.Server.Accounts;
using ProxyKit.Server.Health;
using ProxyKit.Server.ProxyInstances;
using ProxyKit.Configuration;

namespace ProxyKit.Server.Composition;

/// <summary>Assembles the ProxyKit packages into the sample server from configuration.</summary>
internal static class ServerComposition
{
    /// <summary>The configuration sections under <c>ProxyKit</c> the server understands; any other is a typo and fails the start.</summary>
    private static readonly string[] KnownSections = ["Storage", "Sqlite", "Postgres", "Redis", "Relay", "Instances", "InstanceTest", "Api", "Pool", "Accounts", "ExternalSocks", "WireGuard", "Windows"];

    public static IServiceCollection AddProxyKitServer(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var proxyKit = configuration.GetSection("ProxyKit");
        var unknown = proxyKit.GetChildren().Select(c => c.Key).Where(k => !KnownSections.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"Unknown configuration section(s) {string.Join(", ", unknown.Select(k => $"ProxyKit:{k}"))}; known sections are {string.Join(", ", KnownSections.Select(k => $"ProxyKit:{k}"))}.");
        }

        ApiTokenGuard.EnsureSafe(configuration);

        // Storage: PostgreSQL when a connection string is configured, else the embedded SQLite file.
        var storage = services.AddProxyKitStorage(proxyKit.GetSection("Storage"));
        if (!string.IsNullOrWhiteSpace(proxyKit["Postgres:ConnectionString"]))
        {
            storage.UsePostgres(proxyKit.GetSection("Postgres"));
        }
        else
        {
            storage.UseSqlite(proxyKit.GetSection("Sqlite"));

            // A relative SQLite path means "under the content root", however the server was launched.
            services.PostConfigure<SqliteStorageOptions>(o => o.ConnectionString = AnchorSqlitePath(o.ConnectionString, environment.ContentRootPath));
        }

        // Coordination: Redis only when configured, else in-process.
        var coordination = services.AddProxyKitCoordination();
        if (!string.IsNullOrWhiteSpace(proxyKit["Redis:Configuration"]))
        {
            coordination.UseRedis(proxyKit.GetSection("Redis"));
        }

        // On Windows this brings the IP Helper assigner, which must be registered before AddRelayInstances; elsewhere only its options.
        services.AddProxyKitWindows(proxyKit.GetSection("Windows"));
        services.AddProxyKitRelay(proxyKit.GetSection("Relay")).AddRelayInstances(proxyKit.GetSection("Instances"));
        services.AddProxyKitPool(proxyKit.GetSection("Pool"));
        services.AddProxyKitAccounts(proxyKit.GetSection("Accounts"));
        services.AddProxyKitExternalSocks(proxyKit.GetSection("ExternalSocks"));
        services.AddProxyKitWireGuard(proxyKit.GetSection("WireGuard"));

        // The seeds' HTTP shapes are snake_case.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        services.AddOpenApi();
        services.AddBadRequestBodyErrors();
        services.AddSingleton<HealthReporter>();
        services.AddOptions<InstanceTestOptions>().BindStrict(proxyKit.GetSection("InstanceTest"))
            .Validate(o => o.EchoUrl is null || (o.EchoUrl.IsAbsoluteUri && o.EchoUrl.Scheme is "http" or "https"), "ProxyKit:InstanceTest:EchoUrl must be an absolute http or https URL.")
            .Validate(o => o.Timeout > TimeSpan.Zero, "ProxyKit:InstanceTest:Timeout must be positive.")
            .ValidateOnStart();
        services.AddSingleton<InstanceTester>();
        services.AddAccountsApi();
        return services;
    }

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
