using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ProxyKit.Configuration;

/// <summary>Options registration the way every ProxyKit package does it.</summary>
public static class ProxyKitOptionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/> validated at start by <typeparamref name="TValidator"/>.
    /// Idempotent: a second call registers nothing (a plain <c>ValidateOnStart()</c> would add its hook again).
    /// </summary>
    public static OptionsBuilder<TOptions> AddProxyKitOptions<TOptions, TValidator>(this IServiceCollection services)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddProxyKitOptions<TOptions>();
    }

    /// <summary>Registers <typeparamref name="TOptions"/> validated at start (data annotations-free; binding errors surface at start). Idempotent.</summary>
    public static OptionsBuilder<TOptions> AddProxyKitOptions<TOptions>(this IServiceCollection services)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<TOptions>();
        if (!services.Any(d => d.ServiceType == typeof(Registered<TOptions>)))
        {
            services.AddSingleton<Registered<TOptions>>();
            builder.ValidateOnStart();
        }

        return builder;
    }

    // Marks options whose start-up validation is already wired.
    private sealed class Registered<TOptions>;
}
