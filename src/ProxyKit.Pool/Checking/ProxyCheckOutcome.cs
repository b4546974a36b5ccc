namespace ProxyKit.Pool.Checking;

/// <summary>What one checker found for one proxy.</summary>
/// <param name="Checker">The checker's name.</param>
/// <param name="Stage">The checker's stage.</param>
/// <param name="Passed">Whether the proxy passed.</param>
/// <param name="Latency">How long the check took (as the checker measured it, else as the runner did).</param>
/// <param name="Detail">A short description without secrets.</param>
/// <param name="Inconclusive">Whether the check could not be made for a reason that is not the proxy's (then <paramref name="Passed"/> is false).</param>
public sealed record ProxyCheckOutcome(string Checker, int Stage, bool Passed, TimeSpan? Latency, string Detail, bool Inconclusive = false);
