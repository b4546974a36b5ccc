using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Storage;

/// <summary>Configures ProxyKit storage; engines add their verbs (<c>UseSqlite</c>, <c>UsePostgres</c>) as extension methods.</summary>
public interface IStorageBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}
