using System.Globalization;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Fetching;

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

        ValidateFetch(options.Fetch, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateFetch(SourceFetchOptions? fetch, List<string> failures)
    {
        const string Section = "ProxyKit:Pool:Fetch:";
        if (fetch is null)
        {
            failures.Add("ProxyKit:Pool:Fetch must not be null.");
            return;
        }

        // The limits stay inside what Polly accepts, so a bad value fails at start rather than on the first fetch.
        Range(nameof(fetch.AttemptTimeout), fetch.AttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        Range(nameof(fetch.TotalTimeout), fetch.TotalTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));
        if (fetch.TotalTimeout < fetch.AttemptTimeout)
        {
            failures.Add($"{Section}TotalTimeout ({fetch.TotalTimeout}) must not be less than {Section}AttemptTimeout ({fetch.AttemptTimeout}).");
        }

        if (fetch.MaxRetries is < 0 or > 10)
        {
            failures.Add($"{Section}MaxRetries must be between 0 and 10 (was {fetch.MaxRetries.ToString(CultureInfo.InvariantCulture)}).");
        }

        Range(nameof(fetch.RetryBaseDelay), fetch.RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Range(nameof(fetch.MaxRetryDelay), fetch.MaxRetryDelay, TimeSpan.Zero, TimeSpan.FromHours(1));
        if (fetch.MaxRetryDelay < fetch.RetryBaseDelay)
        {
            failures.Add($"{Section}MaxRetryDelay ({fetch.MaxRetryDelay}) must not be less than {Section}RetryBaseDelay ({fetch.RetryBaseDelay}).");
        }

        if (fetch.MaxResponseBytes <= 0)
        {
            failures.Add($"{Section}MaxResponseBytes must be positive (was {fetch.MaxResponseBytes.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (!(fetch.BreakerFailureRatio > 0 && fetch.BreakerFailureRatio <= 1))
        {
            failures.Add($"{Section}BreakerFailureRatio must be greater than 0 and at most 1 (was {fetch.BreakerFailureRatio.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (fetch.BreakerMinimumThroughput is < 2 or > 10_000)
        {
            failures.Add($"{Section}BreakerMinimumThroughput must be between 2 and 10000 (was {fetch.BreakerMinimumThroughput.ToString(CultureInfo.InvariantCulture)}).");
        }

        Range(nameof(fetch.BreakerSamplingDuration), fetch.BreakerSamplingDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Range(nameof(fetch.BreakDuration), fetch.BreakDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));

        using var probe = new HttpRequestMessage();
        if (string.IsNullOrWhiteSpace(fetch.UserAgent) || !probe.Headers.UserAgent.TryParseAdd(fetch.UserAgent))
        {
            failures.Add($"{Section}UserAgent must be a valid User-Agent header value such as \"{SourceFetchOptions.DefaultUserAgent}\".");
        }

        void Range(string name, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                failures.Add($"{Section}{name} must be between {min} and {max} (was {value}).");
            }
        }
    }
}
