using System.Net;
using Microsoft.Extensions.Options;
using ProxyKit.Secrets;
using ProxyKit.Storage;
using ProxyKit.WireGuard.Allocation;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.Servers;

/// <summary>
/// The configured servers with their key pairs: the configured private key, or one generated on first start and kept
/// sealed in <c>wg_servers</c> (the first host to insert it wins; the others read it back). Resolved once per process.
/// </summary>
internal sealed class WireGuardServerRegistry(
    ProxyKitDatabase database, WireGuardKeyStore store, SecretProtector protector, IWireGuardKeyGenerator generator, IOptions<WireGuardOptions> options, TimeProvider timeProvider) : IDisposable
{
    internal const string ServerKeyPurpose = "wireguard.server-private-key";

    private static readonly IPAddress[] DefaultDns = [IPAddress.Parse("1.1.1.1"), IPAddress.Parse("8.8.8.8")];
    private static readonly IPNetwork[] DefaultAllowedIps = [IPNetwork.Parse("0.0.0.0/0")];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<WireGuardServer>? _servers;

    public async ValueTask<IReadOnlyList<WireGuardServer>> GetServersAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _servers) is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_servers is null)
            {
                var servers = new List<WireGuardServer>();
                foreach (var server in options.Value.Servers)
                {
                    servers.Add(await ResolveAsync(server, cancellationToken).ConfigureAwait(false));
                }

                Volatile.Write(ref _servers, servers);
            }

            return _servers;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public async ValueTask<WireGuardServer?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await GetServersAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase));

    private async Task<WireGuardServer> ResolveAsync(WireGuardServerOptions server, CancellationToken cancellationToken)
    {
        var id = server.PublicIp!;
        var configured = server.PrivateKey is { } text ? WireGuardPrivateKey.Parse(text) : (WireGuardPrivateKey?)null;
        var candidate = configured ?? generator.Generate().PrivateKey;
        var sealedKey = protector.Protect(ServerKeyPurpose, candidate.ToBase64());
        await database.ExecuteAsync(
            "INSERT INTO wg_servers (id, private_key_protected, created_at) VALUES (@id, @key, @now) ON CONFLICT (id) DO NOTHING",
            cancellationToken, ("id", id), ("key", sealedKey), ("now", timeProvider.GetUtcNow())).ConfigureAwait(false);

        WireGuardPrivateKey key;
        if (configured is { } fromConfiguration)
        {
            // Configuration wins over a key generated earlier.
            await database.ExecuteAsync("UPDATE wg_servers SET private_key_protected = @key WHERE id = @id", cancellationToken, ("id", id), ("key", sealedKey))
                .ConfigureAwait(false);
            key = fromConfiguration;
        }
        else
        {
            var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var select = connection.CreateCommand("SELECT private_key_protected FROM wg_servers WHERE id = @id", null).With("id", id);
                var stored = (string)(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                key = WireGuardPrivateKey.Parse(protector.Unprotect(ServerKeyPurpose, stored));
            }
        }

        if (!WireGuardSubnet.TryParse(server.Subnet, out var subnet, out var error))
        {
            throw new InvalidOperationException($"ProxyKit:WireGuard server {id}: Subnet {error}"); // the options validator reports it first
        }

        var capacity = server.Capacity > 0 ? server.Capacity : subnet.ClientAddresses;
        await store.EnsureSlotsAsync(id, capacity, cancellationToken).ConfigureAwait(false);
        return new WireGuardServer(
            id,
            server.Port,
            new WireGuardKeyPair(key, key.PublicKey),
            server.Interface,
            server.ManageInterface,
            subnet,
            capacity,
            server.Dns.Count > 0 ? [.. server.Dns.Select(IPAddress.Parse)] : DefaultDns,
            server.AllowedIps.Count > 0 ? [.. server.AllowedIps.Select(a => IPNetwork.Parse(a))] : DefaultAllowedIps);
    }
}
