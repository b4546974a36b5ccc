using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ProxyKit.Configuration;

/// <summary>Options binding the way every ProxyKit package does it.</summary>
public static class ProxyKitOptionsBuilderExtensions
{
    /// <summary>
    /// Binds <paramref name="section"/> to the options and makes an unknown key an error when the options are
    /// first read (at start with <c>ValidateOnStart</c>): a misspelt setting must not be silently ignored.
    /// </summary>
    public static OptionsBuilder<TOptions> BindStrict<TOptions>(this OptionsBuilder<TOptions> builder, IConfiguration section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        return builder.Bind(section, static binder => binder.ErrorOnUnknownConfiguration = true);
    }
}
