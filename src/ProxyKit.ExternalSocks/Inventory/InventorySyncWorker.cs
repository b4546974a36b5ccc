using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.ExternalSocks.Provider;
using ProxyKit.Hosting;

namespace ProxyKit.ExternalSocks.Inventory;

/// <summary>
/// Syncs every registered provider every <see cref="ExternalSocksOptions.SyncIntervalMinutes"/>. Any number of hosts may run
/// it: a sync already under way elsewhere is skipped. A provider without a base URL is skipped quietly (not configured yet).
/// </summary>
internal sealed partial class InventorySyncWorker(
    InventorySyncService sync, IExternalSocksProviders providers, IOptionsMonitor<ExternalSocksProviderOptions> providerOptions, TimeProvider timeProvider,
    IOptions<ExternalSocksOptions> options, ILogger<InventorySyncWorker> logger) : BackgroundService
{
    internal const int PageSize = 500;
    private readonly HashSet<string> _reportedUnconfigured = new(StringComparer.OrdinalIgnoreCase);

    internal async Task SyncAllOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var provider in providers.All)
        {
            if (providerOptions.Get(provider.Name).BaseUrl is null)
            {
                if (_reportedUnconfigured.Add(provider.Name))
                {
                    LogNotConfigured(logger, provider.Name);
                }

                continue;
            }

            var result = await sync.SyncAsync(provider.Name, null, PageSize, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded && result.Error!.Code is not (ExternalSocksErrorCodes.SyncInProgress or ExternalSocksErrorCodes.ClientNotInitialized))
            {
                LogSyncRefused(logger, provider.Name, result.Error.Code);
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicRounds.RunAsync(SyncAllOnceAsync, () => TimeSpan.FromMinutes(options.Value.SyncIntervalMinutes), ex => LogSyncFailed(logger, ex), timeProvider, stoppingToken);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Information, Message = "Provider {Provider} has no base URL: its inventory is not synced until one is configured")]
    private static partial void LogNotConfigured(ILogger logger, string provider);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Warning, Message = "Scheduled sync of {Provider} refused: {Code}")]
    private static partial void LogSyncRefused(ILogger logger, string provider, string code);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Error, Message = "Scheduled external proxy sync failed; retrying next interval")]
    private static partial void LogSyncFailed(ILogger logger, Exception exception);
}
