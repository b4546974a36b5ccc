using ProxyKit.Pool.Checking;
using ProxyKit.Pool.Fetching;
using ProxyKit.Pool.Notifications;
using ProxyKit.Pool.Scraping;
using ProxyKit.Pool.Sessions;
using ProxyKit.Pool.Validation;

namespace ProxyKit.Pool;

/// <summary>Options of ProxyKit.Pool (section <c>ProxyKit:Pool</c>).</summary>
public sealed class PoolOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "ProxyKit:Pool";

    /// <summary>Gets or sets how long a lease lasts when the request names no duration (the seed's <c>lease_duration_seconds</c> default). Defaults to 300 seconds.</summary>
    public TimeSpan DefaultLeaseDuration { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets or sets the longest lease a request may ask for. Defaults to 3600 seconds.</summary>
    public TimeSpan MaxLeaseDuration { get; set; } = TimeSpan.FromSeconds(3600);

    /// <summary>Gets or sets credits charged for one lease. Defaults to 1.</summary>
    public int LeaseCost { get; set; } = 1;

    /// <summary>
    /// Gets or sets how sources are downloaded (section <c>ProxyKit:Pool:Fetch</c>): timeouts, retries, a circuit breaker
    /// per host, the response size cap and the guard that keeps sources off internal addresses. Defaults are those of
    /// <see cref="SourceFetchOptions"/>.
    /// </summary>
    public SourceFetchOptions Fetch { get; set; } = new();

    /// <summary>Gets or sets scheduled scraping and listing cursors (section <c>ProxyKit:Pool:Scraping</c>).</summary>
    public ScrapingOptions Scraping { get; set; } = new();

    /// <summary>Gets or sets proxy checking: checkers, judges, re-check schedule (section <c>ProxyKit:Pool:Checking</c>).</summary>
    public CheckingOptions Checking { get; set; } = new();

    /// <summary>Gets or sets re-checking and scoring (section <c>ProxyKit:Pool:Validation</c>).</summary>
    public ValidationOptions Validation { get; set; } = new();

    /// <summary>Gets or sets limits and rotation of proxies bound to sessions (section <c>ProxyKit:Pool:Sessions</c>).</summary>
    public SessionRotationOptions Sessions { get; set; } = new();

    /// <summary>Gets or sets pool events and notifiers (section <c>ProxyKit:Pool:Notifications</c>).</summary>
    public NotificationOptions Notifications { get; set; } = new();
}
