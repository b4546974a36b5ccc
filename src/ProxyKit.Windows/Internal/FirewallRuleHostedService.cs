using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ProxyKit.Windows.Internal;

/// <summary>
/// Once at start, in the background (the host does not wait for PowerShell): when
/// <see cref="WindowsOptions.ManageFirewallRule"/> is on and an enabled firewall profile blocks outbound traffic by
/// default, adds the seed's outbound allow rule for this process's executable unless it exists. Failures are logged,
/// never thrown: the proxies still start, and the log says what to do.
/// </summary>
internal sealed class FirewallRuleHostedService(
    IWindowsFirewall firewall,
    IOptions<WindowsOptions> options,
    ILogger<FirewallRuleHostedService>? logger = null) : BackgroundService
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>Gets or sets the executable the rule allows; the current process's by default (tests replace it).</summary>
    internal Func<string?> ProgramPath { get; init; } = static () => Environment.ProcessPath;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ManageFirewallRule)
        {
            return;
        }

        try
        {
            var profiles = await firewall.GetProfilesAsync(stoppingToken).ConfigureAwait(false);
            if (!FirewallProfiles.BlocksOutbound(profiles))
            {
                Log.FirewallRuleNotNeeded(_logger, FirewallProfiles.Describe(profiles));
                return;
            }

            var program = ProgramPath() ?? throw new ProxyKitException("Cannot tell this process's executable path for the firewall rule.");
            if (await firewall.EnsureOutboundRuleAsync(program, stoppingToken).ConfigureAwait(false))
            {
                Log.FirewallRuleCreated(_logger, program);
            }
            else
            {
                Log.FirewallRulePresent(_logger, program);
            }
        }
        catch (ProxyKitException ex)
        {
            Log.FirewallRuleFailed(_logger, ex);
        }
    }
}
