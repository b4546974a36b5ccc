using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Sessions;

internal sealed class SessionRotationOptionsValidator : IValidateOptions<PoolOptions>
{
    private const string Section = "ProxyKit:Pool:Sessions:";

    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        if (options.Sessions is not { } s)
        {
            return ValidateOptionsResult.Fail("ProxyKit:Pool:Sessions must not be null.");
        }

        var failures = new List<string>();
        Range(s.HourlyRequestLimit ?? 1, 1, 100_000_000, nameof(s.HourlyRequestLimit));
        Range(s.MaxInFlight, 1, 10_000, nameof(s.MaxInFlight));
        Range(s.ErrorThreshold, 1, 1_000, nameof(s.ErrorThreshold));
        Range(s.FailureRateMinimumRequests, 1, 1_000_000, nameof(s.FailureRateMinimumRequests));
        Range(s.MaxSessionsPerProxy, 1, 10_000, nameof(s.MaxSessionsPerProxy));
        Between(s.InFlightTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), nameof(s.InFlightTimeout));
        Between(s.HealthWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7), nameof(s.HealthWindow));
        Between(s.Cooldown, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), nameof(s.Cooldown));
        Between(s.MaxCooldown, s.Cooldown, TimeSpan.FromDays(7), nameof(s.MaxCooldown));
        Between(s.FlushInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(1), nameof(s.FlushInterval));
        Between(s.RefreshInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10), nameof(s.RefreshInterval));
        if (s.FailureRateThreshold is { } rate && !(rate is > 0 and <= 1))
        {
            failures.Add($"{Section}FailureRateThreshold must be above 0 and at most 1.");
        }

        if (!(s.ReferenceLatencyMs > 0) || double.IsInfinity(s.ReferenceLatencyMs))
        {
            failures.Add($"{Section}ReferenceLatencyMs must be a positive number.");
        }

        if (s.BlockedStatusCodes is null || s.BlockedStatusCodes.Any(static code => code is < 100 or > 599))
        {
            failures.Add($"{Section}BlockedStatusCodes must be HTTP status codes (100-599).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Range(int value, int min, int max, string setting)
        {
            if (value < min || value > max)
            {
                failures.Add($"{Section}{setting} must be between {min} and {max}.");
            }
        }

        void Between(TimeSpan value, TimeSpan min, TimeSpan max, string setting)
        {
            if (value < min || value > max)
            {
                failures.Add($"{Section}{setting} must be between {min} and {max}.");
            }
        }
    }
}
