namespace ProxyKit.Pool.Sessions;

/// <summary>Outcomes of a proxy over a span of time (a minute's bucket, or the health window).</summary>
internal readonly record struct SessionProxyHealth(long Successes, long Failures, long Blocked, long LatencyMsSum, long LatencySamples)
{
    public long Requests => Successes + Failures;

    public double? AverageLatencyMs => LatencySamples == 0 ? null : (double)LatencyMsSum / LatencySamples;

    public double? SuccessRate => Requests == 0 ? null : (double)Successes / Requests;

    public static SessionProxyHealth operator +(SessionProxyHealth a, SessionProxyHealth b) => new(
        a.Successes + b.Successes, a.Failures + b.Failures, a.Blocked + b.Blocked, a.LatencyMsSum + b.LatencyMsSum, a.LatencySamples + b.LatencySamples);
}

/// <summary>Counter changes of one proxy waiting to be written: totals, the hour's hand-outs and outcomes per minute.</summary>
internal sealed record SessionProxyDelta(
    long ProxyId,
    long Total,
    long Failed,
    long Blocked,
    DateTimeOffset Hour,
    long HourRequests,
    DateTimeOffset LastUsedAt,
    IReadOnlyDictionary<DateTimeOffset, SessionProxyHealth> Buckets);
