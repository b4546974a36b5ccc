namespace ProxyKit.Windows.Internal;

/// <summary>The Windows Firewall as the outbound-rule check needs it; <see cref="PowerShellWindowsFirewall"/> is the real one.</summary>
internal interface IWindowsFirewall
{
    /// <summary>Reads the firewall profiles in force.</summary>
    /// <exception cref="ProxyKitException">They cannot be read.</exception>
    Task<IReadOnlyList<FirewallProfile>> GetProfilesAsync(CancellationToken cancellationToken);

    /// <summary>Creates the outbound allow rule for <paramref name="programPath"/> unless it exists; returns whether it was created.</summary>
    /// <exception cref="ProxyKitException">It cannot be checked or created (e.g. without Administrator rights).</exception>
    Task<bool> EnsureOutboundRuleAsync(string programPath, CancellationToken cancellationToken);
}
