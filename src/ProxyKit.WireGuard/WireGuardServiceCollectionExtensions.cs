using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Configuration;
using ProxyKit.Secrets;
using ProxyKit.WireGuard;
using ProxyKit.WireGuard.Allocation;
using ProxyKit.WireGuard.Internal;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;
using ProxyKit.WireGuard.Servers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ProxyKit.WireGuard.</summary>
public static class WireGuardServiceCollectionExtensions
{
    /// <summary>
    /// Adds ProxyKit.WireGuard with options validated at start: <see cref="WireGuardKeyService"/>, the
    /// <see cref="IWireGuardKeyGenerator"/> (X25519) and the <see cref="IWireGuardPeerSync"/> chosen by
    /// <see cref="WireGuardOptions.PeerSync"/> (register your own before calling to replace either). Needs a
    /// <c>ProxyKitDatabase</c> and the secrets key. Safe to call more than once.
    /// </summary>
    public static IWireGuardBuilder AddProxyKitWireGuard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddProxyKitOptions<WireGuardOptions, WireGuardOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddProxyKitSecrets();
        services.AddProxyKitMigrations("wireguard", typeof(WireGuardOptions).Assembly);
        services.TryAddSingleton<IWireGuardKeyGenerator, X25519KeyGenerator>();
        services.TryAddSingleton<IWireGuardPeerSync>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<WireGuardOptions>>().Value;
            return options.PeerSync switch
            {
                WireGuardPeerSyncKind.WgCommand => new WgCommandPeerSync(options.WgCommand),
                WireGuardPeerSyncKind.InMemory => new InMemoryPeerSync(),
                _ => new UapiPeerSync(options.UapiSocketDirectory),
            };
        });
        services.TryAddSingleton<WireGuardKeyStore>();
        services.TryAddSingleton<WireGuardServerRegistry>();
        services.TryAddSingleton(static sp => new WireGuardKeyService(
            sp.GetRequiredService<WireGuardKeyStore>(), sp.GetRequiredService<WireGuardServerRegistry>(), sp.GetRequiredService<IWireGuardKeyGenerator>(),
            sp.GetRequiredService<IWireGuardPeerSync>(), sp.GetRequiredService<SecretProtector>(), sp.GetRequiredService<IOptions<WireGuardOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WireGuardKeyService>>()));
        return new WireGuardBuilder(services);
    }

    /// <summary>
    /// Runs the reconcile loop (<see cref="WireGuardOptions.ReconcileInterval"/>): handshakes and traffic recorded,
    /// idle keys released, interface peers repaired. Run it on the host that owns the servers' interfaces.
    /// </summary>
    public static IWireGuardBuilder AddPeerReconciler(this IWireGuardBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<WireGuardReconciler>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, WireGuardReconciler>(
            static sp => sp.GetRequiredService<WireGuardReconciler>()));
        return builder;
    }

    /// <summary>Adds ProxyKit.WireGuard with options configured in code.</summary>
    public static IWireGuardBuilder AddProxyKitWireGuard(this IServiceCollection services, Action<WireGuardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddProxyKitWireGuard();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds ProxyKit.WireGuard with options bound from <paramref name="section"/> (unknown keys are an error).</summary>
    public static IWireGuardBuilder AddProxyKitWireGuard(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = services.AddProxyKitWireGuard();
        services.AddOptions<WireGuardOptions>().BindStrict(section);
        return builder;
    }
}
