using Microsoft.Extensions.Options;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Internal;

/// <summary>Fails the host at start when two registered parsers share a name (sources refer to parsers by name).</summary>
internal sealed class ParserNamesValidator(IEnumerable<IProxySourceParser> parsers) : IValidateOptions<PoolOptions>
{
    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        var duplicates = parsers.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).ToList();
        return duplicates.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(duplicates.Select(g =>
                $"Proxy source parser name '{g.Key}' is registered {g.Count()} times ({string.Join(", ", g.Select(p => p.GetType().Name))}); parser names must be unique."));
    }
}
