using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace ProxyKit.Server.Accounts;

/// <summary>Authentication and authorization for seed 003's endpoints.</summary>
internal static class AccountsComposition
{
    public static IServiceCollection AddAccountsApi(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.User, p => p.RequireAuthenticatedUser().RequireClaim(ClaimTypes.NameIdentifier))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(ApiKeyAuthenticationHandler.AdminRole));
        services.AddScoped<IdempotencyFilter>();
        return services;
    }
}
