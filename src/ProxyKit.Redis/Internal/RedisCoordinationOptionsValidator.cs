using Microsoft.Extensions.Options;

namespace ProxyKit.Redis.Internal;

internal sealed class RedisCoordinationOptionsValidator : IValidateOptions<RedisCoordinationOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisCoordinationOptions options)
    {
        var failures = new List<string>();
        if (RedisConnection.Parse(options.Configuration, out var error) is null)
        {
            failures.Add(error!);
        }

        if (string.IsNullOrEmpty(options.KeyPrefix) || options.KeyPrefix.Length > 64 || options.KeyPrefix.Any(char.IsWhiteSpace))
        {
            failures.Add("ProxyKit:Redis:KeyPrefix must be 1-64 characters without whitespace.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
