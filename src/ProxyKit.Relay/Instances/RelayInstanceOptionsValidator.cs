using System.Net;
using Microsoft.Extensions.Options;

namespace ProxyKit.Relay.Instances;

internal sealed class RelayInstanceOptionsValidator : IValidateOptions<RelayInstanceOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayInstanceOptions options)
    {
        var failures = new List<string>();
        foreach (var (interfaceName, prefix) in options.Prefixes)
        {
            if (!IPNetwork.TryParse(prefix, out var network) || network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6
                || network.PrefixLength is < 16 or > 120 || !string.Equals(network.ToString(), prefix.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"ProxyKit:Instances:Prefixes:{interfaceName} must be an IPv6 prefix from /16 to /120 without host bits (was '{prefix}').");
            }
        }

        if (options.Assigner == InstanceAddressAssigner.AnyIp && options.Prefixes.Count == 0)
        {
            failures.Add("ProxyKit:Instances:Assigner 'AnyIp' needs at least one prefix in ProxyKit:Instances:Prefixes (the routes it adds).");
        }

        if (!Enum.IsDefined(options.Assigner))
        {
            failures.Add($"ProxyKit:Instances:Assigner must be Linux, AnyIp or None (was {options.Assigner}).");
        }

        if (options.AddressLifetime < TimeSpan.FromSeconds(30))
        {
            failures.Add("ProxyKit:Instances:AddressLifetime must be at least 30 seconds.");
        }

        if (options.ReapInterval <= TimeSpan.Zero || options.ReapInterval > options.AddressLifetime / 3)
        {
            failures.Add("ProxyKit:Instances:ReapInterval must be positive and at most a third of AddressLifetime (renewals ride on it).");
        }

        if (options.LogCapacity is < 0 or > 10_000)
        {
            failures.Add($"ProxyKit:Instances:LogCapacity must be between 0 and 10000 (was {options.LogCapacity}).");
        }

        if (options.MaxTtl <= TimeSpan.Zero)
        {
            failures.Add("ProxyKit:Instances:MaxTtl must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
