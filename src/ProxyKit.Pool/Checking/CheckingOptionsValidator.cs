using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>Validates <see cref="PoolOptions.Checking"/>, naming each setting.</summary>
internal sealed class CheckingOptionsValidator : IValidateOptions<PoolOptions>
{
    private const string Section = "ProxyKit:Pool:Checking:";

    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        var checking = options.Checking;
        if (checking is null)
        {
            return ValidateOptionsResult.Fail("ProxyKit:Pool:Checking must not be null.");
        }

        var failures = new List<string>();
        if (checking.CheckTimeout < TimeSpan.FromMilliseconds(50) || checking.CheckTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Section}CheckTimeout must be between {TimeSpan.FromMilliseconds(50)} and {TimeSpan.FromMinutes(5)} (was {checking.CheckTimeout}).");
        }

        if (checking.MaxConcurrentChecks is < 1 or > 100_000)
        {
            failures.Add($"{Section}MaxConcurrentChecks must be between 1 and 100000 (was {checking.MaxConcurrentChecks.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (checking.MaxJudgeBodyBytes is < 1024 or > 4 * 1024 * 1024)
        {
            failures.Add($"{Section}MaxJudgeBodyBytes must be between 1024 and 4194304 (was {checking.MaxJudgeBodyBytes.ToString(CultureInfo.InvariantCulture)}).");
        }

        var judges = checking.JudgeUrls ?? [];
        if (judges.Count > 16)
        {
            failures.Add($"{Section}JudgeUrls must list at most 16 judges (was {judges.Count.ToString(CultureInfo.InvariantCulture)}).");
        }

        for (var i = 0; i < judges.Count; i++)
        {
            if (!JudgeTarget.TryCreate(judges[i], out _))
            {
                failures.Add($"{Section}JudgeUrls:{i.ToString(CultureInfo.InvariantCulture)} must be an absolute http:// URL without user info or fragment (was \"{judges[i]}\").");
            }
        }

        var own = checking.OwnAddresses ?? [];
        for (var i = 0; i < own.Count; i++)
        {
            if (!IPAddress.TryParse(own[i], out _))
            {
                failures.Add($"{Section}OwnAddresses:{i.ToString(CultureInfo.InvariantCulture)} must be an IPv4 or IPv6 address (was \"{own[i]}\").");
            }
        }

        if (checking.GeoDatabasePath is { } path && (string.IsNullOrWhiteSpace(path) || !File.Exists(path)))
        {
            failures.Add($"{Section}GeoDatabasePath must name an existing CSV file of start,end,country ranges (was \"{path}\").");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
