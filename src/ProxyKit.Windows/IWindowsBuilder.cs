using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Windows;

/// <summary>Configures ProxyKit.Windows; further verbs are extension methods on this builder.</summary>
public interface IWindowsBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
