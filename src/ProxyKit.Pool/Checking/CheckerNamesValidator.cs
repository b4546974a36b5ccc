using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Checking;

/// <summary>
/// Fails the host at start when two registered checkers share a name (checks are recorded by name). Checkers are
/// resolved when validating, not when this validator is built: they depend on the options being validated.
/// </summary>
internal sealed class CheckerNamesValidator(IServiceProvider services) : IValidateOptions<PoolOptions>
{
    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        var checkers = services.GetServices<IProxyChecker>();
        var duplicates = checkers.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToList();
        return duplicates.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(duplicates.Select(g =>
                $"Proxy checker name '{g.Key}' is registered {g.Count()} times ({string.Join(", ", g.Select(c => c.GetType().Name))}); checker names must be unique."));
    }
}
