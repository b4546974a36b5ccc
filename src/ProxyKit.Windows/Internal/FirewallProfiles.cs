namespace ProxyKit.Windows.Internal;

/// <summary>A Windows Firewall profile as the enforced policy has it.</summary>
/// <param name="Name">Domain, Private or Public.</param>
/// <param name="DefaultOutboundAction">Allow, Block or NotConfigured (which means Allow).</param>
/// <param name="Enabled">Whether the profile filters at all.</param>
internal readonly record struct FirewallProfile(string Name, string DefaultOutboundAction, bool Enabled);

/// <summary>The seed's outbound firewall rule: the PowerShell it runs and the pure reading of its answers.</summary>
internal static class FirewallProfiles
{
    /// <summary>The rule's display name, as the seed creates it.</summary>
    public const string RuleDisplayName = "Allow IPv6 Outbound Proxy";

    /// <summary>The environment variable the rule script reads the program path from (never spliced into the script).</summary>
    public const string ProgramVariable = "PROXYKIT_FIREWALL_PROGRAM";

    /// <summary>
    /// One <c>Name=DefaultOutboundAction=Enabled</c> line per profile. The ActiveStore is the policy in force, Group Policy
    /// included (the default, persistent store would show a GPO's Block as NotConfigured).
    /// </summary>
    public const string QueryScript =
        "Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object { $_.Name + '=' + $_.DefaultOutboundAction + '=' + $_.Enabled }";

    /// <summary>Creates the rule for <c>$env:PROXYKIT_FIREWALL_PROGRAM</c> unless one with that name and program exists; prints <c>created</c> or <c>present</c>.</summary>
    public const string EnsureRuleScript =
        "$ErrorActionPreference = 'Stop'; "
        + "$program = $env:" + ProgramVariable + "; "
        + "$existing = @(Get-NetFirewallRule -DisplayName '" + RuleDisplayName + "' -ErrorAction SilentlyContinue | Get-NetFirewallApplicationFilter | Where-Object { $_.Program -eq $program }); "
        + "if ($existing.Count -gt 0) { 'present' } "
        + "else { New-NetFirewallRule -DisplayName '" + RuleDisplayName + "' -Direction Outbound -Action Allow -Program $program | Out-Null; 'created' }";

    /// <summary>Reads <see cref="QueryScript"/>'s output; lines that are not <c>Name=Action[=Enabled]</c> are skipped.</summary>
    public static IReadOnlyList<FirewallProfile> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var profiles = new List<FirewallProfile>();
        foreach (var line in output.Split('\n'))
        {
            var parts = line.Trim().Split('=');
            if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[0].Any(char.IsWhiteSpace))
            {
                continue;
            }

            var enabled = parts.Length == 2 || !parts[2].Trim().Equals("False", StringComparison.OrdinalIgnoreCase);
            profiles.Add(new FirewallProfile(parts[0], parts[1].Trim(), enabled));
        }

        return profiles;
    }

    /// <summary>Gets whether an enabled profile blocks outbound traffic by default, the only case the rule is needed.</summary>
    public static bool BlocksOutbound(IEnumerable<FirewallProfile> profiles) =>
        profiles.Any(static p => p.Enabled && p.DefaultOutboundAction.Equals("Block", StringComparison.OrdinalIgnoreCase));

    /// <summary>Describes profiles for a log line: <c>Domain=Allow, Private=Allow, Public=Block (disabled)</c>.</summary>
    public static string Describe(IEnumerable<FirewallProfile> profiles) =>
        string.Join(", ", profiles.Select(static p => $"{p.Name}={p.DefaultOutboundAction}{(p.Enabled ? "" : " (disabled)")}"));
}
