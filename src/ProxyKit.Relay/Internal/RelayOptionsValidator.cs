using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.Relay.Internal;

internal sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        var failures = new List<string>();
        if (options.HandshakeTimeout < TimeSpan.FromMilliseconds(100) || options.HandshakeTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"ProxyKit:Relay:HandshakeTimeout must be between {TimeSpan.FromMilliseconds(100)} and {TimeSpan.FromMinutes(5)} (was {options.HandshakeTimeout}).");
        }

        if (options.ConnectTimeout < TimeSpan.FromMilliseconds(100) || options.ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"ProxyKit:Relay:ConnectTimeout must be between {TimeSpan.FromMilliseconds(100)} and {TimeSpan.FromMinutes(5)} (was {options.ConnectTimeout}).");
        }

        if (options.IdleTimeout < TimeSpan.FromSeconds(1) || options.IdleTimeout > TimeSpan.FromDays(1))
        {
            failures.Add($"ProxyKit:Relay:IdleTimeout must be between {TimeSpan.FromSeconds(1)} and {TimeSpan.FromDays(1)} (was {options.IdleTimeout}).");
        }

        if (options.MaxHandshakeBytes < 1024 || options.MaxHandshakeBytes > 1024 * 1024)
        {
            failures.Add($"ProxyKit:Relay:MaxHandshakeBytes must be between {1024} and {1024 * 1024} (was {options.MaxHandshakeBytes}).");
        }

        if (options.DnsCacheDuration < TimeSpan.Zero || options.DnsCacheDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"ProxyKit:Relay:DnsCacheDuration must be between 0 and 1 hour (was {options.DnsCacheDuration}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
