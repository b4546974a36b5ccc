using System.Net;
using Microsoft.Extensions.Options;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.Internal;

internal sealed class WireGuardOptionsValidator : IValidateOptions<WireGuardOptions>
{
    private const string Section = "ProxyKit:WireGuard";

    public ValidateOptionsResult Validate(string? name, WireGuardOptions options)
    {
        var failures = new List<string>();
        if (options.AutoReleaseAfter < TimeSpan.FromSeconds(1) || options.AutoReleaseAfter > TimeSpan.FromDays(30))
        {
            failures.Add($"{Section}:AutoReleaseAfter must be between 00:00:01 and {TimeSpan.FromDays(30)} (was {options.AutoReleaseAfter}).");
        }

        if (options.PersistentKeepaliveSeconds < 0 || options.PersistentKeepaliveSeconds > 65535)
        {
            failures.Add($"{Section}:PersistentKeepaliveSeconds must be between 0 and 65535 (was {options.PersistentKeepaliveSeconds}).");
        }

        if (options.AutoRelease == WireGuardAutoRelease.WhenIdle && options.PersistentKeepaliveSeconds > 0
            && options.AutoReleaseAfter < TimeSpan.FromSeconds(options.PersistentKeepaliveSeconds * 3))
        {
            failures.Add($"{Section}:AutoReleaseAfter ({options.AutoReleaseAfter}) must be at least three keepalive intervals " +
                $"({options.PersistentKeepaliveSeconds * 3} s), or live clients would be released.");
        }

        if (options.ReconcileInterval < TimeSpan.FromMilliseconds(100) || options.ReconcileInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{Section}:ReconcileInterval must be between 00:00:00.1 and 01:00:00 (was {options.ReconcileInterval}).");
        }
        else if (options.AutoRelease != WireGuardAutoRelease.Never && options.ReconcileInterval * 2 > options.AutoReleaseAfter)
        {
            failures.Add($"{Section}:ReconcileInterval ({options.ReconcileInterval}) must be at most half of AutoReleaseAfter ({options.AutoReleaseAfter}).");
        }

        if (options.AddressQuarantine < TimeSpan.Zero)
        {
            failures.Add($"{Section}:AddressQuarantine must not be negative.");
        }

        if (options.MaxKeysPerClient < 0 || options.MaxKeysPerClient > 1000)
        {
            failures.Add($"{Section}:MaxKeysPerClient must be between 0 (no limit) and 1000 (was {options.MaxKeysPerClient}).");
        }

        if (options.ReturnExistingKey && !options.KeepClientPrivateKeys)
        {
            failures.Add($"{Section}:ReturnExistingKey needs {Section}:KeepClientPrivateKeys (the configuration returned again carries the private key).");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Servers.Count; i++)
        {
            ValidateServer($"{Section}:Servers:{i}", options.Servers[i], seen, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateServer(string path, WireGuardServerOptions server, HashSet<string> seen, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(server.PublicIp))
        {
            failures.Add($"{path}:PublicIp is required (the address clients connect to).");
        }
        else if (!seen.Add(server.PublicIp))
        {
            failures.Add($"{path}:PublicIp '{server.PublicIp}' is used by another server.");
        }
        else if (Uri.CheckHostName(server.PublicIp) == UriHostNameType.Unknown)
        {
            failures.Add($"{path}:PublicIp '{server.PublicIp}' is neither an IP address nor a host name.");
        }

        if (server.Port is < 1 or > 65535)
        {
            failures.Add($"{path}:Port must be between 1 and 65535 (was {server.Port}).");
        }

        if (server.PrivateKey is not null && !WireGuardPrivateKey.TryParse(server.PrivateKey, out _))
        {
            failures.Add($"{path}:PrivateKey is not a base64 WireGuard key (44 characters, as `wg genkey` prints).");
        }

        if (server.Interface is { } iface && (iface.Length is 0 or > 15 || iface.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            failures.Add($"{path}:Interface '{iface}' is not a Linux interface name (1-15 letters, digits, '-', '_', '.').");
        }

        if (!WireGuardSubnet.TryParse(server.Subnet, out var subnet, out var subnetError))
        {
            failures.Add($"{path}:Subnet {subnetError}");
        }
        else if (server.Capacity < 0 || server.Capacity > subnet.ClientAddresses)
        {
            failures.Add($"{path}:Capacity must be between 0 (every address) and {subnet.ClientAddresses}, the client addresses of {server.Subnet} (was {server.Capacity}).");
        }

        foreach (var dns in server.Dns)
        {
            if (!IPAddress.TryParse(dns, out _))
            {
                failures.Add($"{path}:Dns '{dns}' is not an IP address.");
            }
        }

        foreach (var allowed in server.AllowedIps)
        {
            if (!IPNetwork.TryParse(allowed, out _))
            {
                failures.Add($"{path}:AllowedIps '{allowed}' is not a network in CIDR form (for example 0.0.0.0/0).");
            }
        }
    }
}
