using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ProxyKit.Accounts.Ledger;

/// <summary>Voids holds nobody posted or voided by their deadline, every <see cref="AccountsOptions.HoldReapInterval"/>; safe on several hosts at once.</summary>
internal sealed class HoldReaperService(
    IServiceProvider services,
    IOptions<AccountsOptions> options,
    TimeProvider timeProvider,
    ILogger<HoldReaperService>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();

        // Resolved here, not injected: a host whose storage is misconfigured must fail on that, at start, not on the reaper.
        var ledger = services.GetRequiredService<CreditLedger>();
        using var timer = new PeriodicTimer(options.Value.HoldReapInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var voided = await ledger.VoidExpiredHoldsAsync(stoppingToken).ConfigureAwait(false);
                if (voided > 0)
                {
                    LedgerLog.HoldsExpired(_logger, voided);
                }
            }
            catch (ProxyKitException ex) when (ex.IsTransient)
            {
                LedgerLog.HoldReapFailed(_logger, ex);
            }
        }
    }
}
