using System.Reflection;
using ProxyKit.Coordination;
using ProxyKit.Storage;

namespace ProxyKit.Server.Health;

/// <summary>Checks the components this server really uses and reports them honestly ("not configured" when unused).</summary>
internal sealed class HealthReporter(ProxyKitDatabase database, ICoordinationBackend coordination)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static string Version { get; } = ReadVersion();

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        var databaseUp = database.PingAsync(timeout.Token).AsTask();
        var coordinationUp = coordination.PingAsync(timeout.Token).AsTask();
        var up = await Task.WhenAll(Settle(databaseUp), Settle(coordinationUp));

        var usesPostgres = database.Dialect.Name == "postgres";
        var usesRedis = coordination.Name == "redis";
        return new HealthReport(
            Status: up[0] && up[1] ? "healthy" : "unhealthy",
            Postgres: usesPostgres ? Describe(up[0]) : "not configured",
            Redis: usesRedis ? Describe(up[1]) : "not configured",
            Version: Version,
            Storage: database.Dialect.Name);
    }

    private static string Describe(bool up) => up ? "connected" : "disconnected";

    // A probe that times out or throws counts as down; it never fails the health endpoint itself.
    private static async Task<bool> Settle(Task<bool> probe)
    {
        try
        {
            return await probe;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ProxyKitException)
        {
            return false;
        }
    }

    private static string ReadVersion()
    {
        var version = typeof(HealthReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}

/// <summary>The body of <c>GET /health</c> (seed 003), plus the storage engine in use.</summary>
/// <param name="Status"><c>healthy</c> when every configured component answers, else <c>unhealthy</c>.</param>
/// <param name="Postgres"><c>connected</c>, <c>disconnected</c> or <c>not configured</c> (SQLite in use).</param>
/// <param name="Redis"><c>connected</c>, <c>disconnected</c> or <c>not configured</c> (in-process coordination).</param>
/// <param name="Version">The server version.</param>
/// <param name="Storage">The storage engine: <c>sqlite</c> or <c>postgres</c>.</param>
public sealed record HealthReport(string Status, string Postgres, string Redis, string Version, string Storage);

/// <summary>The body of <c>GET /api/health</c> (seed 000).</summary>
/// <param name="Status"><c>healthy</c> or <c>unhealthy</c>.</param>
public sealed record ApiHealthReport(string Status);
