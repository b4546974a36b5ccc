using Microsoft.Extensions.Options;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>Validates the providers added with <c>AddProvider</c> (the default one is validated as <see cref="ExternalSocksOptions"/>).</summary>
internal sealed class ExternalSocksProviderOptionsValidator : IValidateOptions<ExternalSocksProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, ExternalSocksProviderOptions options)
    {
        if (name is null || string.Equals(name, ExternalSocksProviderOptions.DefaultName, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Skip;
        }

        var prefix = $"ExternalSocks provider '{name}'";
        var failures = new List<string>();
        if (options.BaseUrl is not { } url || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{prefix}: BaseUrl must be an absolute http or https address.");
        }

        if (string.IsNullOrEmpty(options.ApiToken))
        {
            failures.Add($"{prefix}: ApiToken is required.");
        }

        failures.AddRange(ValidateLimits(prefix, options.TimeoutSeconds, options.MaxConcurrentRequests));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static IEnumerable<string> ValidateLimits(string prefix, int timeoutSeconds, int maxConcurrentRequests)
    {
        if (timeoutSeconds < 1 || timeoutSeconds > 300)
        {
            yield return $"{prefix}:TimeoutSeconds must be between 1 and 300 (was {timeoutSeconds}).";
        }

        if (maxConcurrentRequests < 1 || maxConcurrentRequests > 256)
        {
            yield return $"{prefix}:MaxConcurrentRequests must be between 1 and 256 (was {maxConcurrentRequests}).";
        }
    }
}
