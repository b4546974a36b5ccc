using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ProxyKit.Configuration;
using ProxyKit.Secrets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="SecretProtector"/>.</summary>
public static class SecretsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="SecretProtector"/> keyed by <c>ProxyKit:Secrets:Key</c>, validated at start. Safe to call more
    /// than once; packages that store secrets call it themselves.
    /// </summary>
    public static IServiceCollection AddProxyKitSecrets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<SecretsOptions, SecretsOptionsValidator>();
        services.TryAddSingleton<SecretProtector>();
        return services;
    }

    /// <summary>Adds the <see cref="SecretProtector"/> with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IServiceCollection AddProxyKitSecrets(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddProxyKitSecrets();
        services.AddOptions<SecretsOptions>().BindStrict(section);
        return services;
    }

    private sealed class SecretsOptionsValidator : IValidateOptions<SecretsOptions>
    {
        public ValidateOptionsResult Validate(string? name, SecretsOptions options)
        {
            try
            {
                SecretProtector.ResolveKey(options);
                return ValidateOptionsResult.Success;
            }
            catch (ProxyKit.ProxyKitException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
