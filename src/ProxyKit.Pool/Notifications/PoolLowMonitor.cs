using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Storage;

namespace ProxyKit.Pool.Notifications;

/// <summary>
/// Decides <c>proxy.pool_low</c> for the whole cluster. The alert's state lives in the <c>pool_alerts</c> row
/// <c>proxy.pool_low</c>: a count under <see cref="NotificationOptions.PoolLowThreshold"/> flips it on, a count above
/// <see cref="NotificationOptions.PoolLowRecoverThreshold"/> flips it off, each with one conditional <c>UPDATE</c> that only
/// changes a row in the other state. Only the host whose <c>UPDATE</c> changed the row publishes, so a dip fires once per
/// cluster however many hosts run the monitor, and fires again only after a recovery above the hysteresis threshold.
/// </summary>
/// <remarks>A host that crashes between its <c>UPDATE</c> and the publish loses that one event (at most once, like the event bus).</remarks>
internal sealed class PoolLowMonitor(
    ProxyKitDatabase database, IPoolEvents events, IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger<PoolLowMonitor> logger)
{
    private const string FlipSql = "UPDATE pool_alerts SET firing = @firing, changed_at = @now WHERE name = @name AND firing <> @firing";
    private const string CountSql = "SELECT COUNT(*) FROM pool_proxies WHERE status = 'active'";

    /// <summary>Counts the active proxies.</summary>
    public async ValueTask<int> CountActiveAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand(CountSql, transaction: null);
            var count = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt32(count, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Counts the active proxies and evaluates the alert.</summary>
    public async ValueTask<PoolAlertChange> CheckAsync(CancellationToken cancellationToken) =>
        await EvaluateAsync(await CountActiveAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Evaluates the alert for <paramref name="activeCount"/> active proxies, publishing when this call changed its state.</summary>
    public async ValueTask<PoolAlertChange> EvaluateAsync(int activeCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(activeCount);
        var settings = options.Value.Notifications;
        if (settings.PoolLowThreshold <= 0)
        {
            return PoolAlertChange.None;
        }

        bool firing;
        if (activeCount < settings.PoolLowThreshold)
        {
            firing = true;
        }
        else if (activeCount > settings.PoolLowRecoverThreshold)
        {
            firing = false;
        }
        else
        {
            return PoolAlertChange.None; // between the thresholds: keep whatever state the cluster is in
        }

        if (!await FlipAsync(PoolEventTypes.PoolLow, firing, cancellationToken).ConfigureAwait(false))
        {
            return PoolAlertChange.None;
        }

        if (firing)
        {
            NotificationLog.PoolLow(logger, activeCount, settings.PoolLowThreshold);
            await events.PublishAsync(PoolEventTypes.PoolLow, new Dictionary<string, object?>
            {
                ["active_count"] = activeCount,
                ["threshold"] = settings.PoolLowThreshold,
                ["recover_threshold"] = settings.PoolLowRecoverThreshold,
            }, cancellationToken).ConfigureAwait(false);
            return PoolAlertChange.Fired;
        }

        NotificationLog.PoolRecovered(logger, activeCount, settings.PoolLowRecoverThreshold);
        await events.PublishAsync(PoolEventTypes.PoolRecovered, new Dictionary<string, object?>
        {
            ["active_count"] = activeCount,
            ["threshold"] = settings.PoolLowThreshold,
            ["recover_threshold"] = settings.PoolLowRecoverThreshold,
        }, cancellationToken).ConfigureAwait(false);
        return PoolAlertChange.Recovered;
    }

    private async ValueTask<bool> FlipAsync(string name, bool firing, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand(FlipSql, transaction: null)
                .With("firing", firing).With("now", timeProvider.GetUtcNow()).With("name", name);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
    }
}
