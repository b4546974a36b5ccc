using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows.Tests.Support;

internal sealed class FakeWindowsFirewall(params FirewallProfile[] profiles) : IWindowsFirewall
{
    public List<string> RulesEnsured { get; } = [];

    public int ProfileReads { get; private set; }

    public bool RuleExists { get; set; }

    public Exception? EnsureFailure { get; set; }

    public Task<IReadOnlyList<FirewallProfile>> GetProfilesAsync(CancellationToken cancellationToken)
    {
        ProfileReads++;
        return Task.FromResult<IReadOnlyList<FirewallProfile>>(profiles);
    }

    public Task<bool> EnsureOutboundRuleAsync(string programPath, CancellationToken cancellationToken)
    {
        RulesEnsured.Add(programPath);
        return EnsureFailure is not null ? Task.FromException<bool>(EnsureFailure) : Task.FromResult(!RuleExists);
    }
}
