using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace ProxyKit.Relay.Addressing;

/// <summary>
/// Linux: adds each address as a <c>/128</c> with <c>nodad</c> (usable at once, no 1–2 s tentative state) and a finite
/// <c>valid_lft</c> with <c>preferred_lft 0</c> (the host's own traffic never picks it, and the kernel removes it by
/// itself if this process dies and stops renewing). Runs the <c>ip</c> command directly, never through a shell.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxIpCommandAssigner : IAddressAssigner, IInterfacePrefixDiscovery
{
    private readonly TimeSpan _lifetime;
    private readonly string _ip;

    /// <summary>Creates an assigner whose addresses live <paramref name="lifetime"/> unless renewed.</summary>
    /// <param name="lifetime">The valid lifetime, at least 10 seconds; renew well before it ends.</param>
    /// <param name="ipCommand">The <c>ip</c> executable. Defaults to <c>ip</c> on the PATH.</param>
    public LinuxIpCommandAssigner(TimeSpan lifetime, string ipCommand = "ip")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lifetime, TimeSpan.FromSeconds(10));
        ArgumentException.ThrowIfNullOrEmpty(ipCommand);
        _lifetime = lifetime;
        _ip = ipCommand;
    }

    /// <inheritdoc />
    public string Name => "linux";

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> AssignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        RunAsync("add", interfaceName, address, cancellationToken);

    /// <inheritdoc />
    public ValueTask<AddressAssignmentResult> RenewAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default) =>
        RunAsync("change", interfaceName, address, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<AddressAssignmentResult> UnassignAsync(string interfaceName, IPAddress address, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync("del", interfaceName, address, cancellationToken).ConfigureAwait(false);
        return result.Error == AddressAssignmentError.Failed
            && (result.Message?.Contains("Cannot assign requested address", StringComparison.Ordinal) == true || result.Message?.Contains("address not found", StringComparison.Ordinal) == true)
            ? AddressAssignmentResult.Success // already gone (expired, or removed by someone else)
            : result;
    }

    /// <summary>Lists the global IPv6 prefixes configured on <paramref name="interfaceName"/> (to allocate from when none is configured).</summary>
    public async Task<IReadOnlyList<IPNetwork>> GetGlobalPrefixesAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidInterface(interfaceName);
        var (exitCode, output, error) = await ExecuteAsync(["-6", "-o", "addr", "show", "dev", interfaceName, "scope", "global"], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new ProxyKitException($"Cannot list addresses of '{interfaceName}': {error.Trim()}");
        }

        var prefixes = new List<IPNetwork>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.IndexOf(parts, "inet6");
            if (at >= 0 && at + 1 < parts.Length && IPNetwork.TryParse(parts[at + 1], out var network) && network.PrefixLength < 128
                && !prefixes.Contains(network))
            {
                prefixes.Add(new IPNetwork(network.BaseAddress, network.PrefixLength));
            }
        }

        return prefixes;
    }

    /// <summary>Lists the <c>/128</c> addresses on <paramref name="interfaceName"/> that carry this assigner's mark: deprecated (preferred lifetime 0).</summary>
    public async Task<IReadOnlyList<IPAddress>> GetAssignedAddressesAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidInterface(interfaceName);
        var (exitCode, output, error) = await ExecuteAsync(["-6", "-o", "addr", "show", "dev", interfaceName, "scope", "global"], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new ProxyKitException($"Cannot list addresses of '{interfaceName}': {error.Trim()}");
        }

        var addresses = new List<IPAddress>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.IndexOf(parts, "inet6");
            if (at >= 0 && at + 1 < parts.Length && parts.Contains("deprecated") && parts[at + 1].EndsWith("/128", StringComparison.Ordinal)
                && IPAddress.TryParse(parts[at + 1][..^4], out var address))
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }

    private async ValueTask<AddressAssignmentResult> RunAsync(string verb, string interfaceName, IPAddress address, CancellationToken cancellationToken)
    {
        ThrowIfInvalidInterface(interfaceName);
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("Only IPv6 addresses are assigned.", nameof(address));
        }

        string[] arguments = verb == "del"
            ? ["-6", "addr", "del", $"{address}/128", "dev", interfaceName]
            : ["-6", "addr", verb, $"{address}/128", "dev", interfaceName, "nodad", "valid_lft", ((long)_lifetime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "preferred_lft", "0"];
        var (exitCode, _, error) = await ExecuteAsync(arguments, cancellationToken).ConfigureAwait(false);
        return exitCode == 0 ? AddressAssignmentResult.Success : Classify(interfaceName, address, error.Trim());
    }

    private static AddressAssignmentResult Classify(string interfaceName, IPAddress address, string error)
    {
        if (error.Contains("Cannot find device", StringComparison.Ordinal) || error.Contains("does not exist", StringComparison.Ordinal))
        {
            return new(AddressAssignmentError.InterfaceNotFound, $"Interface '{interfaceName}' does not exist on this host (see `ip link`).");
        }

        if (error.Contains("Operation not permitted", StringComparison.Ordinal) || error.Contains("Permission denied", StringComparison.Ordinal))
        {
            return new(AddressAssignmentError.AccessDenied, "Changing addresses needs CAP_NET_ADMIN (run as root or grant the capability).");
        }

        if (error.Contains("File exists", StringComparison.Ordinal) || error.Contains("already assigned", StringComparison.Ordinal))
        {
            return new(AddressAssignmentError.DuplicateAddress, $"{address} is already assigned on this host.");
        }

        return new(AddressAssignmentError.Failed, $"ip failed for {address} on '{interfaceName}': {error}");
    }

    // Interface names come from API callers: keep them to what Linux allows, so they can never smuggle ip options.
    private static void ThrowIfInvalidInterface(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (interfaceName.Length > 15 || interfaceName.StartsWith('-') || interfaceName.Any(static c => char.IsWhiteSpace(c) || c is '/' or ':' || char.IsControl(c)))
        {
            throw new ArgumentException($"'{interfaceName}' is not a valid Linux interface name.", nameof(interfaceName));
        }
    }

    internal async Task<(int ExitCode, string Output, string Error)> ExecuteAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_ip) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ProxyKitException($"The '{_ip}' command is not available (install iproute2): {ex.Message}", ex);
        }

        using var process = started ?? throw new ProxyKitException($"Could not start '{_ip}'.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
