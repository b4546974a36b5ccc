using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Internal;

internal sealed class PoolOptionsValidator : IValidateOptions<PoolOptions>
{
    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultLeaseDuration < TimeSpan.FromSeconds(1) || options.DefaultLeaseDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"ProxyKit:Pool:DefaultLeaseDuration must be between {TimeSpan.FromSeconds(1)} and {TimeSpan.FromDays(1)} (was {options.DefaultLeaseDuration}).");
        }

        if (options.MaxLeaseDuration < TimeSpan.FromSeconds(1) || options.MaxLeaseDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"ProxyKit:Pool:MaxLeaseDuration must be between {TimeSpan.FromSeconds(1)} and {TimeSpan.FromDays(1)} (was {options.MaxLeaseDuration}).");
        }

        if (options.LeaseCost < 0 || options.LeaseCost > 1_000_000)
        {
            failures.Add($"ProxyKit:Pool:LeaseCost must be between {0} and {1_000_000} (was {options.LeaseCost}).");
        }

        if (options.DefaultLeaseDuration > options.MaxLeaseDuration)
        {
            failures.Add("ProxyKit:Pool:DefaultLeaseDuration must not exceed ProxyKit:Pool:MaxLeaseDuration.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
