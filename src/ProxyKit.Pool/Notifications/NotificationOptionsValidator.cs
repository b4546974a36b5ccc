using System.Globalization;
using Microsoft.Extensions.Options;

namespace ProxyKit.Pool.Notifications;

/// <summary>Validates <see cref="PoolOptions.Notifications"/> at start; messages name the offending setting.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<PoolOptions>
{
    private const string Section = "ProxyKit:Pool:Notifications:";
    private const int MinSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Notifications;
        if (settings is null)
        {
            return ValidateOptionsResult.Fail("ProxyKit:Pool:Notifications must not be null.");
        }

        var failures = new List<string>();
        if (settings.PoolLowThreshold < 0)
        {
            failures.Add($"{Section}PoolLowThreshold must not be negative (was {Text(settings.PoolLowThreshold)}); 0 turns the alert off.");
        }

        if (settings.PoolLowRecoverThreshold < settings.PoolLowThreshold)
        {
            failures.Add($"{Section}PoolLowRecoverThreshold ({Text(settings.PoolLowRecoverThreshold)}) must not be less than {Section}PoolLowThreshold ({Text(settings.PoolLowThreshold)}).");
        }

        if (settings.CreditsLowThreshold < 0)
        {
            failures.Add($"{Section}CreditsLowThreshold must not be negative (was {Text(settings.CreditsLowThreshold)}); 0 turns the alert off.");
        }

        if (settings.MonitorInterval < TimeSpan.FromSeconds(1) || settings.MonitorInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{Section}MonitorInterval must be between {TimeSpan.FromSeconds(1)} and {TimeSpan.FromDays(1)} (was {settings.MonitorInterval}).");
        }

        if (settings.QueueCapacity is < 1 or > 1_000_000)
        {
            failures.Add($"{Section}QueueCapacity must be between 1 and 1000000 (was {Text(settings.QueueCapacity)}).");
        }

        if (settings.DeliveryTimeout < TimeSpan.FromSeconds(1) || settings.DeliveryTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{Section}DeliveryTimeout must be between {TimeSpan.FromSeconds(1)} and {TimeSpan.FromHours(1)} (was {settings.DeliveryTimeout}).");
        }

        if (settings.Log is null)
        {
            failures.Add($"{Section}Log must not be null.");
        }
        else
        {
            ValidatePatterns($"{Section}Log:Subscriptions", settings.Log.Subscriptions, failures);
        }

        ValidateWebhooks(settings, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateWebhooks(NotificationOptions settings, List<string> failures)
    {
        if (settings.Webhooks is null)
        {
            failures.Add($"{Section}Webhooks must not be null.");
            return;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < settings.Webhooks.Count; i++)
        {
            var hook = settings.Webhooks[i];
            var at = $"{Section}Webhooks:{Text(i)}:";
            if (hook is null)
            {
                failures.Add($"{Section}Webhooks:{Text(i)} must not be null.");
                continue;
            }

            if (string.IsNullOrEmpty(hook.Name) || hook.Name.Length > 64 || !hook.Name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                failures.Add($"{at}Name must be 1-64 letters, digits, '-' or '_'.");
            }
            else if (!names.Add(hook.Name))
            {
                failures.Add($"{at}Name '{hook.Name}' is used by another webhook; webhook names must be unique.");
            }

            if (hook.Url is null || !hook.Url.IsAbsoluteUri || hook.Url.Scheme is not ("http" or "https"))
            {
                failures.Add($"{at}Url must be an absolute http or https URL.");
            }

            // The secret itself never appears in a message.
            if (string.IsNullOrWhiteSpace(hook.Secret) || hook.Secret.Length < MinSecretLength)
            {
                failures.Add($"{at}Secret must be at least {Text(MinSecretLength)} characters (receivers verify X-ProxyKit-Signature with it).");
            }

            if (hook.MaxAttempts is < 1 or > 10)
            {
                failures.Add($"{at}MaxAttempts must be between 1 and 10 (was {Text(hook.MaxAttempts)}).");
            }

            if (hook.Timeout < TimeSpan.FromMilliseconds(100) || hook.Timeout > TimeSpan.FromMinutes(5))
            {
                failures.Add($"{at}Timeout must be between {TimeSpan.FromMilliseconds(100)} and {TimeSpan.FromMinutes(5)} (was {hook.Timeout}).");
            }

            if (hook.RetryBaseDelay < TimeSpan.Zero || hook.RetryBaseDelay > TimeSpan.FromMinutes(1))
            {
                failures.Add($"{at}RetryBaseDelay must be between {TimeSpan.Zero} and {TimeSpan.FromMinutes(1)} (was {hook.RetryBaseDelay}).");
            }

            ValidatePatterns($"{at}Subscriptions", hook.Subscriptions, failures);
        }
    }

    private static void ValidatePatterns(string setting, IList<string>? patterns, List<string> failures)
    {
        if (patterns is null)
        {
            failures.Add($"{setting} must not be null.");
            return;
        }

        foreach (var pattern in patterns)
        {
            if (!EventPatterns.IsValidPattern(pattern))
            {
                failures.Add($"{setting} has an invalid pattern '{pattern}': use letters, digits, '.', '_', '-', ':' and '*' (e.g. 'proxy.pool_low', 'proxy.*', '*').");
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
