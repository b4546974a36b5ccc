using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.WireGuard.Internal;

internal sealed class WireGuardOptionsValidator : IValidateOptions<WireGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, WireGuardOptions options)
    {
        var failures = new List<string>();
        if (options.AutoReleaseAfter < TimeSpan.FromMinutes(3) || options.AutoReleaseAfter > TimeSpan.FromDays(30))
        {
            failures.Add($"ProxyKit:WireGuard:AutoReleaseAfter must be between {TimeSpan.FromMinutes(3)} and {TimeSpan.FromDays(30)} (was {options.AutoReleaseAfter}).");
        }

        if (options.PersistentKeepaliveSeconds < 0 || options.PersistentKeepaliveSeconds > 65535)
        {
            failures.Add($"ProxyKit:WireGuard:PersistentKeepaliveSeconds must be between {0} and {65535} (was {options.PersistentKeepaliveSeconds}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
