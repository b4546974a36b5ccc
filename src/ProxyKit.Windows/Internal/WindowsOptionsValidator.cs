using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.Windows.Internal;

internal sealed class WindowsOptionsValidator : IValidateOptions<WindowsOptions>
{
    public ValidateOptionsResult Validate(string? name, WindowsOptions options)
    {
        var failures = new List<string>();
        if (options.DuplicateAddressDetectionTimeout < TimeSpan.FromMilliseconds(100) || options.DuplicateAddressDetectionTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"ProxyKit:Windows:DuplicateAddressDetectionTimeout must be between {TimeSpan.FromMilliseconds(100)} and {TimeSpan.FromMinutes(1)} (was {options.DuplicateAddressDetectionTimeout}).");
        }

        if (options.AddressLifetime < TimeSpan.FromMinutes(1) || options.AddressLifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"ProxyKit:Windows:AddressLifetime must be between {TimeSpan.FromMinutes(1)} and {TimeSpan.FromDays(1)} (was {options.AddressLifetime}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
