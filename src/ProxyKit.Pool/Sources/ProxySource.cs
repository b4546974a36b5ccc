namespace ProxyKit.Pool.Sources;

/// <summary>A configured proxy source (seed 003's source object, plus its scrape statistics).</summary>
/// <param name="Id">The source id (a UUID).</param>
/// <param name="Url">The list's URL.</param>
/// <param name="ParserName">The parser plugin that reads it.</param>
/// <param name="CronSchedule">When it is scraped (five-field cron, UTC).</param>
/// <param name="DefaultProtocol">The protocol of entries that state none, or <see langword="null"/> (then <c>http</c>).</param>
/// <param name="IsActive">Whether it is scraped on its schedule.</param>
/// <param name="LastScrapedAt">When a scrape last finished (success or not).</param>
/// <param name="CreatedAt">When it was added.</param>
/// <param name="NextRunAt">When it is next due, or <see langword="null"/> while inactive.</param>
/// <param name="Stats">Scrape statistics.</param>
public sealed record ProxySource(
    string Id,
    string Url,
    string ParserName,
    string CronSchedule,
    string? DefaultProtocol,
    bool IsActive,
    DateTimeOffset? LastScrapedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextRunAt,
    SourceStats Stats);

/// <summary>What a source has yielded so far.</summary>
/// <param name="LastSuccessAt">When a scrape last succeeded.</param>
/// <param name="LastError">Why the last failed scrape failed (no secrets), or <see langword="null"/>.</param>
/// <param name="LastErrorAt">When a scrape last failed.</param>
/// <param name="ScrapeCount">Scrapes finished, successful or not.</param>
/// <param name="FailureCount">Scrapes that failed.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="LastProxiesFound">Proxies the last successful scrape found.</param>
/// <param name="LastDurationMs">How long the last scrape took.</param>
/// <param name="ProxiesYielded">Distinct proxies this source has ever yielded.</param>
/// <param name="ProxiesAlive">How many of them are active now (checked and working).</param>
public sealed record SourceStats(
    DateTimeOffset? LastSuccessAt,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    long ScrapeCount,
    long FailureCount,
    int ConsecutiveFailures,
    int? LastProxiesFound,
    long? LastDurationMs,
    long ProxiesYielded,
    long ProxiesAlive);

/// <summary>A new source (<c>POST /sources</c>).</summary>
/// <param name="Url">An http or https URL.</param>
/// <param name="ParserName">A registered parser, or <see langword="null"/> to detect one from the content now.</param>
/// <param name="CronSchedule">A five-field cron expression (UTC); <see langword="null"/> for every 30 minutes.</param>
/// <param name="DefaultProtocol"><c>http</c>, <c>https</c>, <c>socks4</c>, <c>socks5</c> or <see langword="null"/>.</param>
/// <param name="IsActive">Whether it is scraped on its schedule (default true).</param>
public sealed record NewProxySource(string Url, string? ParserName = null, string? CronSchedule = null, string? DefaultProtocol = null, bool IsActive = true);

/// <summary>Changes to a source (<c>PATCH /sources/{id}</c>): only non-null members change.</summary>
/// <param name="Url">A new URL.</param>
/// <param name="ParserName">A new parser name.</param>
/// <param name="CronSchedule">A new schedule.</param>
/// <param name="DefaultProtocol">A new default protocol.</param>
/// <param name="IsActive">Activates or deactivates.</param>
/// <param name="ClearDefaultProtocol">Sets the default protocol to none.</param>
public sealed record ProxySourcePatch(
    string? Url = null, string? ParserName = null, string? CronSchedule = null, string? DefaultProtocol = null, bool? IsActive = null, bool ClearDefaultProtocol = false);

/// <summary>The result of one scrape (<c>POST /sources/{id}/scrape</c>).</summary>
/// <param name="SourceId">The source.</param>
/// <param name="ProxiesDiscovered">Distinct proxies found in the document.</param>
/// <param name="ProxiesNew">Of those, proxies the pool did not know (stored as <c>unchecked</c>).</param>
/// <param name="ProxiesUpdated">Of those, proxies the pool already had.</param>
/// <param name="DurationMs">Fetch, parse and store, in milliseconds.</param>
/// <param name="Rejected">Records that yielded no proxy.</param>
/// <param name="Duplicates">Records repeating a proxy found earlier in the same document.</param>
public sealed record ScrapeResult(string SourceId, int ProxiesDiscovered, int ProxiesNew, int ProxiesUpdated, long DurationMs, int Rejected, int Duplicates);
