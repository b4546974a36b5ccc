using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.Versioning;

namespace ProxyKit.Windows.Internal;

/// <summary>
/// Windows PowerShell's NetSecurity cmdlets, run directly (<see cref="ProcessStartInfo.ArgumentList"/>, never through a
/// shell) from System32, with constant scripts: the program path travels in an environment variable.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class PowerShellWindowsFirewall(TimeProvider timeProvider) : IWindowsFirewall
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public async Task<IReadOnlyList<FirewallProfile>> GetProfilesAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output, error) = await RunAsync(FirewallProfiles.QueryScript, null, cancellationToken).ConfigureAwait(false);
        var profiles = exitCode == 0 ? FirewallProfiles.Parse(output) : [];
        return profiles.Count > 0
            ? profiles
            : throw new ProxyKitException($"Cannot read the Windows Firewall profiles (Get-NetFirewallProfile exited with {exitCode}): {(error.Trim().Length > 0 ? error.Trim() : output.Trim())}");
    }

    public async Task<bool> EnsureOutboundRuleAsync(string programPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(programPath);
        var (exitCode, output, error) = await RunAsync(FirewallProfiles.EnsureRuleScript, programPath, cancellationToken).ConfigureAwait(false);
        var answer = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (exitCode == 0 && answer is "created" or "present")
        {
            return answer == "created";
        }

        var byHand = $"New-NetFirewallRule -DisplayName '{FirewallProfiles.RuleDisplayName}' -Direction Outbound -Action Allow -Program '{programPath}'";
        throw error.Contains("Access is denied", StringComparison.OrdinalIgnoreCase) || error.Contains("0x80070005", StringComparison.OrdinalIgnoreCase)
            ? new ProxyKitException($"Creating the outbound firewall rule needs Administrator rights: run ProxyKit as Administrator, or create it once yourself: {byHand}")
            : new ProxyKitException($"Could not create the outbound firewall rule (PowerShell exited with {exitCode}: {error.Trim()}); create it yourself: {byHand}");
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string script, string? programPath, CancellationToken cancellationToken)
    {
        // From System32, not the PATH, so a planted powershell.exe is never run elevated.
        var powerShell = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "WindowsPowerShell", "v1.0", "powershell.exe");
        var start = new ProcessStartInfo(powerShell)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in (string[])["-NoProfile", "-NonInteractive", "-Command", script])
        {
            start.ArgumentList.Add(argument);
        }

        if (programPath is not null)
        {
            start.Environment[FirewallProfiles.ProgramVariable] = programPath;
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (Win32Exception ex)
        {
            throw new ProxyKitException($"Windows PowerShell is not available at {powerShell}: {ex.Message}", ex);
        }

        using var process = started ?? throw new ProxyKitException($"Could not start {powerShell}.");
        using var timeout = new CancellationTokenSource(Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(linked.Token);
            var error = process.StandardError.ReadToEndAsync(linked.Token);
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already exited
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new ProxyKitException($"PowerShell did not answer within {Timeout.TotalSeconds:0} s.", null, isTransient: true);
        }
    }
}
