using Microsoft.Extensions.Options;

namespace ProxyKit.Sqlite.Internal;

internal sealed class SqliteStorageOptionsValidator : IValidateOptions<SqliteStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options) =>
        SqliteStorage.Parse(options.ConnectionString, out var error) is null
            ? ValidateOptionsResult.Fail(error!)
            : ValidateOptionsResult.Success;
}
