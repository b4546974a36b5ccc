using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Windows.Internal;
using ProxyKit.Windows.Tests.Support;

namespace ProxyKit.Windows.Tests.Internal;

public sealed class FirewallRuleHostedServiceTests
{
    private const string Program = @"C:\Program Files\ProxyKit\ProxyKit.Server.exe";

    [Fact]
    public async Task Start_ManageFirewallRuleOff_TouchesNothing()
    {
        var firewall = new FakeWindowsFirewall(new FirewallProfile("Public", "Block", true));

        await RunAsync(firewall, manage: false);

        firewall.ProfileReads.ShouldBe(0);
        firewall.RulesEnsured.ShouldBeEmpty();
    }

    [Fact]
    public async Task Start_OutboundAllowedEverywhere_AddsNoRule()
    {
        var firewall = new FakeWindowsFirewall(new FirewallProfile("Domain", "Allow", true), new FirewallProfile("Public", "NotConfigured", true));

        await RunAsync(firewall, manage: true);

        firewall.ProfileReads.ShouldBe(1);
        firewall.RulesEnsured.ShouldBeEmpty();
    }

    [Fact]
    public async Task Start_AnEnabledProfileBlocksOutbound_EnsuresTheRuleForThisProgram()
    {
        var firewall = new FakeWindowsFirewall(new FirewallProfile("Domain", "Allow", true), new FirewallProfile("Public", "Block", true));

        var logger = await RunAsync(firewall, manage: true);

        firewall.RulesEnsured.ShouldBe([Program]);
        logger.Entries.ShouldContain(e => e.EventId.Id == 7011 && e.Message.Contains(Program));
    }

    [Fact]
    public async Task Start_RuleCannotBeCreated_LogsAndKeepsTheHostRunning()
    {
        var firewall = new FakeWindowsFirewall(new FirewallProfile("Public", "Block", true))
        {
            EnsureFailure = new ProxyKitException("Creating the outbound firewall rule needs Administrator rights"),
        };

        var logger = await RunAsync(firewall, manage: true); // completes without throwing

        firewall.RulesEnsured.ShouldBe([Program]);
        logger.Entries.ShouldContain(e => e.EventId.Id == 7013 && e.Level == LogLevel.Error);
    }

    private static async Task<RecordingLogger<FirewallRuleHostedService>> RunAsync(FakeWindowsFirewall firewall, bool manage)
    {
        var logger = new RecordingLogger<FirewallRuleHostedService>();
        using var service = new FirewallRuleHostedService(firewall, Options.Create(new WindowsOptions { ManageFirewallRule = manage }), logger) { ProgramPath = () => Program };
        await service.StartAsync(CancellationToken.None);
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        await service.StopAsync(CancellationToken.None);
        return logger;
    }
}
