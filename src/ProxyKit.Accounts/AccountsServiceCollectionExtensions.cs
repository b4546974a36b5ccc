using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Configuration;
using ProxyKit.Accounts;
using ProxyKit.Accounts.Idempotency;
using ProxyKit.Accounts.Internal;
using ProxyKit.Accounts.Keys;
using ProxyKit.Accounts.Ledger;
using ProxyKit.Ledger;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.Accounts.</summary>
public static class AccountsServiceCollectionExtensions
{
    /// <summary>Adds ProxyKit.Accounts with options validated at start. Safe to call more than once.</summary>
    public static IAccountsBuilder AddProxyKitAccounts(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<AccountsOptions, AccountsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddProxyKitMigrations("accounts", typeof(AccountsOptions).Assembly);
        services.AddProxyKitCoordination(); // IEventBus for key revocations: in-process unless UseRedis()
        services.TryAddSingleton<ApiKeyService>();
        services.TryAddSingleton<CreditLedger>();
        services.TryAddSingleton<IdempotencyStore>();
        services.TryAddSingleton<ICreditLedger>(static sp => sp.GetRequiredService<CreditLedger>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HoldReaperService>());
        return new AccountsBuilder(services);
    }

    /// <summary>Adds ProxyKit.Accounts with options configured in code.</summary>
    public static IAccountsBuilder AddProxyKitAccounts(this IServiceCollection services, Action<AccountsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitAccounts();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.Accounts with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IAccountsBuilder AddProxyKitAccounts(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitAccounts();
        services.AddOptions<AccountsOptions>().BindStrict(section);
        return builder;
    }
}
