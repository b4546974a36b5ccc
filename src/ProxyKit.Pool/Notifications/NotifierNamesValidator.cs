using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Notifications;

/// <summary>
/// Fails the host at start when two notifiers share a name, or a notifier has no name or an invalid subscription pattern.
/// It validates <see cref="NotifierNamesCheck"/>, not <see cref="PoolOptions"/>: notifiers take <see cref="PoolOptions"/>,
/// so building them inside the validation of those options would be a circular dependency.
/// </summary>
internal sealed class NotifierNamesValidator(IEnumerable<IPoolNotifier> notifiers) : IValidateOptions<NotifierNamesCheck>
{
    public ValidateOptionsResult Validate(string? name, NotifierNamesCheck options)
    {
        var all = notifiers.ToList();
        var failures = new List<string>();
        foreach (var duplicate in all.Where(n => !string.IsNullOrWhiteSpace(n.Name)).GroupBy(n => n.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            failures.Add($"Pool notifier name '{duplicate.Key.ToLowerInvariant()}' is registered {duplicate.Count()} times ({string.Join(", ", duplicate.Select(n => n.GetType().Name))}); notifier names must be unique.");
        }

        foreach (var notifier in all)
        {
            if (string.IsNullOrWhiteSpace(notifier.Name))
            {
                failures.Add($"Pool notifier {notifier.GetType().Name} has no name.");
            }

            foreach (var pattern in notifier.Subscriptions ?? [])
            {
                if (!EventPatterns.IsValidPattern(pattern))
                {
                    failures.Add($"Pool notifier '{notifier.Name}' subscribes to the invalid pattern '{pattern}'.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>A settings-less options type whose validation at start checks the registered notifiers (see <see cref="NotifierNamesValidator"/>).</summary>
internal sealed class NotifierNamesCheck;
