namespace ProxyKit.Pool.Checking;

/// <summary>Adapts a delegate registered with <c>AddChecker(name, stage, priority, check)</c>.</summary>
internal sealed class DelegateProxyChecker(
    string name,
    int stage,
    int priority,
    Func<ProxyCheckContext, CancellationToken, ValueTask<ProxyCheckResult>> check) : IProxyChecker
{
    public string Name { get; } = name;

    public int Stage { get; } = stage;

    public int Priority { get; } = priority;

    public ValueTask<ProxyCheckResult> CheckAsync(ProxyCheckContext context, CancellationToken cancellationToken) =>
        check(context, cancellationToken);
}
