using System.Text.Json;
using ProxyKit.Relay.Instances;
using ProxyKit.Server.Errors;
using ProxyKit.Server.Accounts;
using ProxyKit.Server.Health;
using ProxyKit.Server.ProxyInstances;
using ProxyKit.Server.WireGuard;
using ProxyKit.Configuration;
using ProxyKit.ExternalSocks;
using ProxyKit.Pool;
using ProxyKit.Samples;

namespace ProxyKit.Server.Composition;

/// <summary>Assembles the ProxyKit packages into the sample server from configuration.</summary>
internal static class ServerComposition
{
    /// <summary>The configuration sections under <c>ProxyKit</c> the server understands; any other is a typo and fails the start.</summary>
    private static readonly string[] KnownSections = ["Storage", "Sqlite", "Postgres", "Redis", "Relay", "Instances", "InstanceTest", "Api", "Pool", "Accounts", "ExternalSocks", "WireGuard", "Windows", "Secrets", "Server"];

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

        // Storage (PostgreSQL when configured, else the embedded SQLite file), coordination (Redis when configured) and secrets.
        services.AddProxyKitInfrastructure(proxyKit, environment.ContentRootPath);

        // On Windows this brings the IP Helper assigner, which must be registered before AddRelayInstances; elsewhere only its options.
        services.AddProxyKitWindows(proxyKit.GetSection("Windows"));
        services.AddProxyKitRelay(proxyKit.GetSection("Relay")).AddRelayInstances(proxyKit.GetSection("Instances"));
        var pool = services.AddProxyKitPool(proxyKit.GetSection("Pool"));

        // Standalone (the embedded SQLite default) the server also runs the background loops; with PostgreSQL that is
        // samples/ProxyKit.Worker's job, unless ProxyKit:Server:RunWorkers says otherwise.
        var runWorkers = proxyKit.GetValue<bool?>("Server:RunWorkers") ?? !InfrastructureComposition.UsesPostgres(proxyKit);
        if (runWorkers)
        {
            pool.AddScrapeWorker();
            pool.AddValidationWorker();
            pool.AddPoolMonitor();
            pool.AddLeaseReaper();
        }

        services.AddProxyKitAccounts(proxyKit.GetSection("Accounts"));
        var externalSocks = services.AddProxyKitExternalSocks(proxyKit.GetSection("ExternalSocks"));
        if (runWorkers)
        {
            externalSocks.AddInventorySync().AddOrderReconciler();
        }
        // The reconcile loop (idle release, interface repair) runs here: the server is the host that owns the interfaces.
        services.AddProxyKitWireGuard(proxyKit.GetSection("WireGuard")).AddPeerReconciler();
        services.AddVpnApi(proxyKit);

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
}
