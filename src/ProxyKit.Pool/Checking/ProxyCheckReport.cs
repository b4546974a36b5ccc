namespace ProxyKit.Pool.Checking;

/// <summary>The result of checking one proxy with every applicable checker.</summary>
/// <param name="Passed">Whether every check that ran passed (a failed stage stops the run).</param>
/// <param name="Checks">The checks that ran, in order.</param>
/// <param name="Findings">Protocol confirmation, exit address, anonymity and country.</param>
/// <param name="Latency">The most telling latency: the judge request's, else the handshake's, else the TCP connect's.</param>
public sealed record ProxyCheckReport(bool Passed, IReadOnlyList<ProxyCheckOutcome> Checks, ProxyFindings Findings, TimeSpan? Latency)
{
    /// <summary>Gets whether a check could not be made for a reason that is not the proxy's: the round says nothing about it.</summary>
    public bool Inconclusive => Checks.Any(c => c.Inconclusive);
}
