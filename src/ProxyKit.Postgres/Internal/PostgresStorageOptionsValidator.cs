using Microsoft.Extensions.Options;

namespace ProxyKit.Postgres.Internal;

internal sealed class PostgresStorageOptionsValidator : IValidateOptions<PostgresStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresStorageOptions options) =>
        PostgresStorage.Parse(options.ConnectionString, out var error) is null
            ? ValidateOptionsResult.Fail(error!)
            : ValidateOptionsResult.Success;
}
