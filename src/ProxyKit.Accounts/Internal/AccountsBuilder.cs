using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Accounts.Internal;

internal sealed class AccountsBuilder(IServiceCollection services) : IAccountsBuilder
{
    public IServiceCollection Services { get; } = services;
}
