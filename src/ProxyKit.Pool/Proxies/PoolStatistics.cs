namespace ProxyKit.Pool.Proxies;

/// <summary>Pool health (<c>GET /stats/pool</c>).</summary>
/// <param name="TotalProxies">Every proxy stored.</param>
/// <param name="ByStatus">Counts by status.</param>
/// <param name="ByProtocol">Counts by protocol.</param>
/// <param name="ByAnonymity">Counts by anonymity (checked proxies).</param>
/// <param name="AvgScore">The average score of checked proxies.</param>
/// <param name="AvgLatencyMs">The average latency of measured proxies.</param>
/// <param name="SourcesActive">Active sources.</param>
/// <param name="SourcesTotal">All sources.</param>
/// <param name="LastScrapeAt">When a scrape last finished.</param>
/// <param name="LastValidationAt">When a proxy was last checked.</param>
public sealed record PoolStatistics(
    long TotalProxies,
    IReadOnlyDictionary<string, long> ByStatus,
    IReadOnlyDictionary<string, long> ByProtocol,
    IReadOnlyDictionary<string, long> ByAnonymity,
    double? AvgScore,
    double? AvgLatencyMs,
    long SourcesActive,
    long SourcesTotal,
    DateTimeOffset? LastScrapeAt,
    DateTimeOffset? LastValidationAt);
