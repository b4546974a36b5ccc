using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Accounts;

/// <summary>Configures ProxyKit.Accounts; further verbs are extension methods on this builder.</summary>
public interface IAccountsBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
