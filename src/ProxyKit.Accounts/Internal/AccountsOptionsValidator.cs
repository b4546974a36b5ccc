using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.Accounts.Internal;

internal sealed class AccountsOptionsValidator : IValidateOptions<AccountsOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        var failures = new List<string>();
        if (options.AdminApiKey is { Length: < 32 })
        {
            failures.Add("ProxyKit:Accounts:AdminApiKey must be at least 32 characters when set.");
        }

        if (options.KeyCacheDuration < TimeSpan.Zero || options.KeyCacheDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"ProxyKit:Accounts:KeyCacheDuration must be between {TimeSpan.Zero} and {TimeSpan.FromHours(1)} (was {options.KeyCacheDuration}).");
        }

        if (options.HoldReapInterval < TimeSpan.FromSeconds(1) || options.HoldReapInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"ProxyKit:Accounts:HoldReapInterval must be between {TimeSpan.FromSeconds(1)} and {TimeSpan.FromHours(1)} (was {options.HoldReapInterval}).");
        }

        if (options.RegistrationsPerHourPerIp < 1 || options.RegistrationsPerHourPerIp > 100_000)
        {
            failures.Add($"ProxyKit:Accounts:RegistrationsPerHourPerIp must be between {1} and {100_000} (was {options.RegistrationsPerHourPerIp}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
