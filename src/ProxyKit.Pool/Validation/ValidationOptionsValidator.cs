using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Validation;

/// <summary>Validates <see cref="PoolOptions.Validation"/>, naming each setting.</summary>
internal sealed class ValidationOptionsValidator : IValidateOptions<PoolOptions>
{
    private const string Section = "ProxyKit:Pool:Validation:";

    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        if (options.Validation is not { } v)
        {
            return ValidateOptionsResult.Fail("ProxyKit:Pool:Validation must not be null.");
        }

        var failures = new List<string>();
        Positive(v.PollInterval, nameof(v.PollInterval));
        Positive(v.ClaimDuration, nameof(v.ClaimDuration));
        Positive(v.ActiveRecheckInterval, nameof(v.ActiveRecheckInterval));
        Positive(v.DeadBackoffBase, nameof(v.DeadBackoffBase));
        Positive(v.EvidenceHalfLife, nameof(v.EvidenceHalfLife));
        Positive(v.FreshnessHalfLife, nameof(v.FreshnessHalfLife));
        Positive(v.CheckHistoryRetention, nameof(v.CheckHistoryRetention));
        if (v.DeadBackoffMax < v.DeadBackoffBase)
        {
            failures.Add($"{Section}DeadBackoffMax must be at least DeadBackoffBase.");
        }

        if (v.BatchSize is < 1 or > 100_000)
        {
            failures.Add($"{Section}BatchSize must be between 1 and 100000.");
        }

        if (!(v.LatencyScaleMs > 0) || double.IsInfinity(v.LatencyScaleMs))
        {
            failures.Add($"{Section}LatencyScaleMs must be a positive number.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{Section}{setting} must be positive.");
            }
        }
    }
}
