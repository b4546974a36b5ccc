using System.Globalization;
using ProxyKit.Testing;
using ProxyKit.Testing.Networking;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.PeerSync;

/// <summary>The contract through the <c>wg</c> command on a wireguard-go interface (root, wireguard-go, wg; skipped otherwise, failed under CI).</summary>
public sealed class WgCommandPeerSyncTests : PeerSyncContractTests
{
    protected override IWireGuardPeerSync Sync { get; } = new WgCommandPeerSync();

    [SkippableFact]
    public async Task MissingInterface_MessageCarriesWgsError()
    {
        await RequireToolsAsync();

        var ex = await Should.ThrowAsync<WireGuardInterfaceException>(() => Sync.GetPeersAsync("pkwgmissing"));

        ex.Message.ShouldContain("Unable to access interface");
    }

    [Fact]
    public async Task MissingBinary_SaysWhatToInstall()
    {
        var ex = await Should.ThrowAsync<WireGuardInterfaceException>(() => new WgCommandPeerSync("/nonexistent/wg").GetPeersAsync("pkwgmissing"));

        ex.Message.ShouldContain("wireguard-tools");
    }

    protected override async Task RequireToolsAsync()
    {
        string? missing = "needs wg (apt-get install --no-install-recommends wireguard-tools)";
        try
        {
            missing = (await ProcessRunner.RunAsync("wg", ["--version"])).ExitCode == 0 ? null : missing;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not on the PATH.
        }

        if (missing is not null && TestEnvironment.IsCi)
        {
            throw new InvalidOperationException($"WireGuard test {missing} (CI must not skip).");
        }

        Skip.If(missing is not null, $"WireGuard test {missing}.");
    }

    protected override async Task<string> CreateInterfaceAsync()
    {
        await RequireToolsAsync();
        await WireGuardGoInterface.RequireAsync();
        var wg = await WireGuardGoInterface.StartAsync();
        Cleanup.Add(wg);
        return wg.Name;
    }

    protected override async Task<(WireGuardPublicKey PublicKey, int ListenPort)> ReadInterfaceAsync(string interfaceName)
    {
        var publicKey = await ProcessRunner.RunAsync("wg", ["show", interfaceName, "public-key"]);
        var listenPort = await ProcessRunner.RunAsync("wg", ["show", interfaceName, "listen-port"]);
        publicKey.ExitCode.ShouldBe(0, publicKey.StandardError);
        listenPort.ExitCode.ShouldBe(0, listenPort.StandardError);
        return (WireGuardPublicKey.Parse(publicKey.StandardOutput.Trim()), int.Parse(listenPort.StandardOutput.Trim(), CultureInfo.InvariantCulture));
    }
}
