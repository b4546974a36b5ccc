using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using ProxyKit.WireGuard.Keys;

namespace ProxyKit.WireGuard.PeerSync;

/// <summary>
/// Peer sync through the <c>wg</c> command (wireguard-tools), for kernel interfaces as well as userspace ones. Runs
/// <c>wg</c> directly (no shell); the private key goes over stdin, never on a command line. Large applies are batched
/// into a few <c>wg set</c> calls of <see cref="ClausesPerCall"/> peer clauses each; a failure part-way leaves the
/// earlier batches applied, and applying the same peers again is harmless.
/// </summary>
public sealed class WgCommandPeerSync : IWireGuardPeerSync
{
    /// <summary>Peer clauses per <c>wg set</c> call: few processes, command lines far below ARG_MAX.</summary>
    public const int ClausesPerCall = 100;

    private readonly string _wgPath;

    /// <summary>Creates a sync running <c>wg</c> from the PATH.</summary>
    public WgCommandPeerSync()
        : this("wg")
    {
    }

    /// <summary>Creates a sync running the <c>wg</c> binary at <paramref name="wgPath"/>.</summary>
    public WgCommandPeerSync(string wgPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(wgPath);
        _wgPath = wgPath;
    }

    /// <inheritdoc />
    public Task ConfigureInterfaceAsync(string interfaceName, WireGuardPrivateKey privateKey, int listenPort, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        ArgumentOutOfRangeException.ThrowIfNegative(listenPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, IPEndPoint.MaxPort);
        return RunAsync(
            interfaceName,
            ["set", interfaceName, "private-key", "/dev/stdin", "listen-port", listenPort.ToString(CultureInfo.InvariantCulture)],
            privateKey.ToBase64() + "\n",
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WireGuardPeerStatus>> GetPeersAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        var dump = await RunAsync(interfaceName, ["show", interfaceName, "dump"], null, cancellationToken).ConfigureAwait(false);
        return ParseDump(interfaceName, dump);
    }

    /// <inheritdoc />
    public async Task<WireGuardInterfaceStatus> GetInterfaceAsync(string interfaceName, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        var dump = await RunAsync(interfaceName, ["show", interfaceName, "dump"], null, cancellationToken).ConfigureAwait(false);
        return ParseInterfaceLine(interfaceName, dump);
    }

    /// <summary>The first line of <c>wg show dump</c>: private-key public-key listen-port fwmark (only the public key and port are read).</summary>
    internal static WireGuardInterfaceStatus ParseInterfaceLine(string interfaceName, string dump)
    {
        var line = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? throw Malformed(interfaceName, "no interface line");
        var fields = line.Split('\t');
        if (fields.Length < 4)
        {
            throw Malformed(interfaceName, "an interface line without its 4 fields");
        }

        WireGuardPublicKey? publicKey = fields[1] == "(none)" ? null
            : WireGuardPublicKey.TryParse(fields[1], out var key) ? key : throw Malformed(interfaceName, "the interface's public key");
        return new WireGuardInterfaceStatus(publicKey, (int)Int64(interfaceName, fields[2]));
    }

    /// <inheritdoc />
    public async Task ApplyAsync(string interfaceName, IReadOnlyCollection<WireGuardPeer> upsert, IReadOnlyCollection<WireGuardPublicKey> remove, CancellationToken cancellationToken = default)
    {
        WireGuardInterfaceName.Validate(interfaceName);
        ArgumentNullException.ThrowIfNull(upsert);
        ArgumentNullException.ThrowIfNull(remove);

        // Upserts first, then removals (a key in both ends up removed), as UapiPeerSync orders them.
        var clauses = new List<string[]>(upsert.Count + remove.Count);
        foreach (var peer in upsert)
        {
            ArgumentNullException.ThrowIfNull(peer, nameof(upsert));
            clauses.Add(["peer", peer.PublicKey.ToBase64(), "allowed-ips", peer.AllowedIp.ToString()]);
        }

        clauses.AddRange(remove.Select(key => new[] { "peer", key.ToBase64(), "remove" }));
        if (clauses.Count == 0)
        {
            // Nothing to change, but a missing interface is still reported.
            await RunAsync(interfaceName, ["show", interfaceName, "public-key"], null, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var batch in clauses.Chunk(ClausesPerCall))
        {
            await RunAsync(interfaceName, ["set", interfaceName, .. batch.SelectMany(c => c)], null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Parses <c>wg show &lt;if&gt; dump</c>: the interface line (private key, public key, port, fwmark), skipped,
    /// then per peer: public key, preshared key, endpoint, allowed IPs, latest handshake, rx, tx, keepalive.
    /// </summary>
    /// <exception cref="WireGuardInterfaceException">A line is malformed.</exception>
    internal static IReadOnlyList<WireGuardPeerStatus> ParseDump(string interfaceName, string dump)
    {
        var peers = new List<WireGuardPeerStatus>();
        var first = true;
        foreach (var line in dump.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (first)
            {
                first = false;
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < 8 || !WireGuardPublicKey.TryParse(fields[0], out var key))
            {
                throw Malformed(interfaceName, "a peer line without its 8 fields");
            }

            var endpoint = fields[2] == "(none)"
                ? null
                : IPEndPoint.TryParse(fields[2], out var parsed) ? parsed : throw Malformed(interfaceName, $"endpoint '{fields[2]}'");
            var allowedIps = fields[3] == "(none)"
                ? []
                : fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(ip => IPNetwork.TryParse(ip, out var network) ? network : throw Malformed(interfaceName, $"allowed IP '{ip}'"))
                    .ToList();
            var handshake = Int64(interfaceName, fields[4]);
            peers.Add(new WireGuardPeerStatus(
                key,
                allowedIps,
                handshake == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(handshake),
                Int64(interfaceName, fields[5]),
                Int64(interfaceName, fields[6]),
                endpoint));
        }

        return first ? throw Malformed(interfaceName, "no interface line") : peers;
    }

    private async Task<string> RunAsync(string interfaceName, IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_wgPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception ex)
        {
            throw new WireGuardInterfaceException(
                interfaceName, $"Could not run '{_wgPath}' for WireGuard interface '{interfaceName}': is wireguard-tools installed (apt-get install wireguard-tools)?", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await WriteInputAsync(process, input, cancellationToken).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                var stdout = await output.ConfigureAwait(false);
                var stderr = await error.ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    // wg's stderr names the problem (no such device, bad key) and never echoes a private key read from stdin.
                    throw new WireGuardInterfaceException(
                        interfaceName,
                        $"wg {arguments[0]} {interfaceName} failed (exit code {process.ExitCode}): {(stderr.Trim() is { Length: > 0 } message ? message : "no message")}");
                }

                return stdout;
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                throw;
            }
        }
    }

    private static async Task WriteInputAsync(Process process, string? input, CancellationToken cancellationToken)
    {
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // wg exited before reading its input (a missing interface): its exit code and stderr say why.
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static long Int64(string interfaceName, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : throw Malformed(interfaceName, $"number '{value}'");

    private static WireGuardInterfaceException Malformed(string interfaceName, string what) =>
        new(interfaceName, $"'wg show {interfaceName} dump' printed something unexpected: {what}.");
}
