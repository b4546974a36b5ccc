using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;

namespace ProxyKit.Windows.Internal;

/// <summary>The doctor's Windows check: whether an enabled firewall profile blocks outbound traffic by default, and what that means here.</summary>
internal sealed class FirewallHostCheckProvider(IWindowsFirewall firewall, IOptions<WindowsOptions> options) : IHostCheckProvider
{
    public async Task<IReadOnlyList<HostCheck>> RunAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<FirewallProfile> profiles;
        try
        {
            profiles = await firewall.GetProfilesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ProxyKitException ex)
        {
            return [new("firewall_outbound", HostCheckStatus.Warn, $"Could not read the firewall profiles: {ex.Message}")];
        }

        var described = FirewallProfiles.Describe(profiles);
        HostCheck check = !FirewallProfiles.BlocksOutbound(profiles)
            ? new("firewall_outbound", HostCheckStatus.Ok, $"Outbound traffic is allowed by default ({described}); no rule is needed.")
            : options.Value.ManageFirewallRule
                ? new("firewall_outbound", HostCheckStatus.Ok, $"Outbound is blocked by default ({described}); the rule '{FirewallProfiles.RuleDisplayName}' is added at start.")
                : new("firewall_outbound", HostCheckStatus.Fail,
                    $"Outbound is blocked by default ({described}) and ProxyKit:Windows:ManageFirewallRule is off: add the rule '{FirewallProfiles.RuleDisplayName}' for this program, or turn the setting on.");
        return [check];
    }
}
