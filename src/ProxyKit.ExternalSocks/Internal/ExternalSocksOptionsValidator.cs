using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Internal;

internal sealed class ExternalSocksOptionsValidator : IValidateOptions<ExternalSocksOptions>
{
    public ValidateOptionsResult Validate(string? name, ExternalSocksOptions options)
    {
        var failures = new List<string>();
        if (options.BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add("ProxyKit:ExternalSocks:BaseUrl must be an absolute http or https address.");
        }

        if (options.Price <= 0 || decimal.Round(options.Price, 2) != options.Price)
        {
            failures.Add($"ProxyKit:ExternalSocks:Price must be a positive amount in whole cents (was {options.Price}).");
        }

        if (options.TimeoutSeconds < 1 || options.TimeoutSeconds > 300)
        {
            failures.Add($"ProxyKit:ExternalSocks:TimeoutSeconds must be between {1} and {300} (was {options.TimeoutSeconds}).");
        }

        if (options.MaxConcurrentRequests < 1 || options.MaxConcurrentRequests > 256)
        {
            failures.Add($"ProxyKit:ExternalSocks:MaxConcurrentRequests must be between {1} and {256} (was {options.MaxConcurrentRequests}).");
        }

        if (options.SyncIntervalMinutes < 1 || options.SyncIntervalMinutes > 1440)
        {
            failures.Add($"ProxyKit:ExternalSocks:SyncIntervalMinutes must be between {1} and {1440} (was {options.SyncIntervalMinutes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
