using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Addressing;

namespace ProxyKit.Relay.Instances;

/// <summary>How a <see cref="HostCheck"/> came out.</summary>
public enum HostCheckStatus
{
    /// <summary>Fine.</summary>
    Ok,

    /// <summary>Works in some setups; read the detail.</summary>
    Warn,

    /// <summary>IPv6 egress will fail until this is fixed.</summary>
    Fail,
}

/// <summary>One finding of <see cref="RelayInstanceDoctor"/>.</summary>
/// <param name="Name">What was checked (<c>ipv6</c>, <c>privileges</c>, <c>interface:eth0</c>, ...).</param>
/// <param name="Status">The outcome.</param>
/// <param name="Detail">What was found and, when not fine, what to do.</param>
public sealed record HostCheck(string Name, HostCheckStatus Status, string Detail);

/// <summary>A platform's own checks (ProxyKit.Windows adds the firewall's outbound default), run by <see cref="RelayInstanceDoctor"/>.</summary>
public interface IHostCheckProvider
{
    /// <summary>Runs the checks.</summary>
    Task<IReadOnlyList<HostCheck>> RunAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Explains why IPv6 egress from instances would fail on this host: IPv6 disabled, missing privileges, a missing
/// interface, a prefix that is on-link where the assigner needs it routed (or the reverse), no IPv6 default route.
/// </summary>
public sealed class RelayInstanceDoctor
{
    private const int CapNetAdmin = 12;
    private readonly IAddressAssigner _assigner;
    private readonly RelayInstanceOptions _options;
    private readonly IEnumerable<IHostCheckProvider> _providers;

    /// <summary>Creates a doctor (normally resolved from DI after <c>AddRelayInstances()</c>).</summary>
    public RelayInstanceDoctor(IAddressAssigner assigner, IOptions<RelayInstanceOptions> options, IEnumerable<IHostCheckProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _assigner = assigner;
        _options = options.Value;
        _providers = providers;
    }

    /// <summary>Runs every check.</summary>
    public async Task<IReadOnlyList<HostCheck>> RunAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<HostCheck> { new("assigner", HostCheckStatus.Ok, $"Addresses are provisioned by the '{_assigner.Name}' assigner.") };
        if (OperatingSystem.IsLinux())
        {
            checks.Add(CheckIPv6Enabled());
            checks.Add(CheckPrivileges());
            checks.Add(await CheckDefaultRouteAsync(cancellationToken).ConfigureAwait(false));
        }

        foreach (var (interfaceName, prefix) in _options.Prefixes)
        {
            checks.AddRange(await CheckInterfaceAsync(interfaceName, IPNetwork.Parse(prefix), cancellationToken).ConfigureAwait(false));
        }

        if (_options.Prefixes.Count == 0)
        {
            checks.Add(new("prefixes", _assigner is IInterfacePrefixDiscovery ? HostCheckStatus.Ok : HostCheckStatus.Warn, _assigner is IInterfacePrefixDiscovery
                ? "No prefix configured: each create discovers the named interface's global prefix."
                : "No prefix configured and this assigner cannot discover one: set ProxyKit:Instances:Prefixes:<interface>."));
        }

        foreach (var provider in _providers)
        {
            checks.AddRange(await provider.RunAsync(cancellationToken).ConfigureAwait(false));
        }

        return checks;
    }

    private static HostCheck CheckIPv6Enabled()
    {
        var disabled = ReadOrNull("/proc/sys/net/ipv6/conf/all/disable_ipv6")?.Trim();
        return disabled switch
        {
            null => new("ipv6", HostCheckStatus.Fail, "The kernel has no IPv6 support (/proc/sys/net/ipv6 is missing)."),
            "0" => new("ipv6", HostCheckStatus.Ok, "IPv6 is enabled."),
            _ => new("ipv6", HostCheckStatus.Fail, "IPv6 is disabled: sysctl -w net.ipv6.conf.all.disable_ipv6=0."),
        };
    }

    private HostCheck CheckPrivileges()
    {
        if (_assigner.Name == "none")
        {
            return new("privileges", HostCheckStatus.Ok, "The 'none' assigner changes nothing on the host, so no privilege is needed.");
        }

        var capabilities = ReadOrNull("/proc/self/status")?.Split('\n').FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        var has = capabilities is not null && ulong.TryParse(capabilities["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
            && (mask & (1UL << CapNetAdmin)) != 0;
        return has
            ? new("privileges", HostCheckStatus.Ok, "The process has CAP_NET_ADMIN.")
            : new("privileges", HostCheckStatus.Fail, $"The '{_assigner.Name}' assigner changes addresses or routes, which needs CAP_NET_ADMIN: run as root or grant it (setcap cap_net_admin+ep, or AmbientCapabilities in a systemd unit).");
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task<HostCheck> CheckDefaultRouteAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output, _) = await new LinuxIpCommandAssigner(TimeSpan.FromMinutes(1)).ExecuteAsync(["-6", "route", "show", "default"], cancellationToken).ConfigureAwait(false);
        return exitCode == 0 && output.Trim().Length > 0
            ? new("ipv6_default_route", HostCheckStatus.Ok, $"IPv6 default route: {output.Trim().Split('\n')[0]}.")
            : new("ipv6_default_route", HostCheckStatus.Warn, "No IPv6 default route: instances reach only networks with explicit routes.");
    }

    private async Task<List<HostCheck>> CheckInterfaceAsync(string interfaceName, IPNetwork prefix, CancellationToken cancellationToken)
    {
        var checks = new List<HostCheck>();
        if (OperatingSystem.IsLinux() && !Directory.Exists(Path.Combine("/sys/class/net", interfaceName)))
        {
            checks.Add(new($"interface:{interfaceName}", HostCheckStatus.Fail, $"No interface '{interfaceName}' on this host (see `ip link`); fix ProxyKit:Instances:Prefixes."));
            return checks;
        }

        checks.Add(new($"interface:{interfaceName}", HostCheckStatus.Ok, $"Interface '{interfaceName}' exists; instances take addresses from {prefix}."));
        if (_assigner is not IInterfacePrefixDiscovery discovery)
        {
            return checks;
        }

        IReadOnlyList<IPNetwork> onLink;
        try
        {
            onLink = await discovery.GetGlobalPrefixesAsync(interfaceName, cancellationToken).ConfigureAwait(false);
        }
        catch (ProxyKitException ex)
        {
            checks.Add(new($"prefix:{interfaceName}", HostCheckStatus.Warn, $"Could not read the addresses of '{interfaceName}': {ex.Message}"));
            return checks;
        }

        var isOnLink = onLink.Any(p => p.Contains(prefix.BaseAddress) && p.PrefixLength <= prefix.PrefixLength);
        checks.Add((isOnLink, _assigner.Name) switch
        {
            (true, "anyip") => new($"prefix:{interfaceName}", HostCheckStatus.Warn,
                $"{prefix} is on-link on '{interfaceName}': neighbours will ask for each address by NDP, which an AnyIP route does not answer. Use the Linux assigner, or have the provider route the prefix to this host."),
            (true, _) => new($"prefix:{interfaceName}", HostCheckStatus.Ok, $"{prefix} is on-link on '{interfaceName}': each address is added to it and answers NDP."),
            (false, "anyip") => new($"prefix:{interfaceName}", HostCheckStatus.Ok, $"{prefix} is not on-link: it must be routed to this host by the provider, which AnyIP expects."),
            (false, _) => new($"prefix:{interfaceName}", HostCheckStatus.Warn,
                $"{prefix} is not on-link on '{interfaceName}': unless the provider routes it to this host, replies to instance addresses never arrive. For a routed prefix, the AnyIp assigner needs no per-address work."),
        });
        return checks;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
