using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;

namespace ProxyKit.Windows.Internal;

/// <summary>
/// Relay renews instance addresses on the schedule of <c>ProxyKit:Instances:AddressLifetime</c> (every third of it),
/// while the Windows assigner gives each address <see cref="WindowsOptions.AddressLifetime"/>: a shorter Windows lifetime
/// would let addresses expire between renewals, so it fails at start instead.
/// </summary>
internal sealed class InstanceAddressLifetimeValidator(IOptions<WindowsOptions> windows) : IValidateOptions<RelayInstanceOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayInstanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lifetime = windows.Value.AddressLifetime;
        return lifetime >= options.AddressLifetime
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"ProxyKit:Windows:AddressLifetime ({lifetime}) must be at least ProxyKit:Instances:AddressLifetime ({options.AddressLifetime}): "
                + "instance addresses are renewed on the latter's schedule, so they would expire between renewals.");
    }
}
