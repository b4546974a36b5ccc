namespace ProxyKit.Pool.Checking;

/// <summary>A built-in checker that does not apply to every proxy or configuration; the runner skips it (no outcome) when it does not.</summary>
internal interface IConditionalProxyChecker
{
    bool AppliesTo(ProxyCheckContext context);
}
