using Microsoft.Extensions.Logging;

namespace ProxyKit.Accounts.Ledger;

/// <summary>Ledger log messages; event ids 3050-3099 (3000-3049 are the API keys').</summary>
internal static partial class LedgerLog
{
    [LoggerMessage(3050, LogLevel.Information, "Voided {Count} holds past their deadline")]
    public static partial void HoldsExpired(ILogger logger, int count);

    [LoggerMessage(3051, LogLevel.Warning, "Voiding expired holds failed; retrying on the next tick")]
    public static partial void HoldReapFailed(ILogger logger, Exception exception);
}
