using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Testing.Networking;
using ProxyKit.WireGuard.Keys;
using ProxyKit.WireGuard.PeerSync;

namespace ProxyKit.WireGuard.Tests.PeerSync;

/// <summary>The contract over wireguard-go's control socket (root, wireguard-go and /dev/net/tun; skipped otherwise, failed under CI).</summary>
public sealed class UapiPeerSyncTests : PeerSyncContractTests
{
    protected override IWireGuardPeerSync Sync { get; } = new UapiPeerSync();

    [Fact]
    public async Task MissingSocket_MessageNamesTheSocketAndWhatToCheck()
    {
        var directory = Directory.CreateTempSubdirectory("proxykit-uapi-").FullName;
        try
        {
            var ex = await Should.ThrowAsync<WireGuardInterfaceException>(() => new UapiPeerSync(directory).GetPeersAsync("pkwgmissing"));

            ex.Message.ShouldContain("pkwgmissing");
            ex.Message.ShouldContain(Path.Combine(directory, "pkwgmissing.sock"));
            ex.Message.ShouldContain("is wireguard-go running for it?");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc/passwd")]
    [InlineData("-h")]
    [InlineData("averyveryverylongname")]
    public async Task InvalidInterfaceName_IsAnArgumentError(string name) =>
        await Should.ThrowAsync<ArgumentException>(() => new UapiPeerSync().GetPeersAsync(name));

    protected override async Task<string> CreateInterfaceAsync()
    {
        await WireGuardGoInterface.RequireAsync();
        var wg = await WireGuardGoInterface.StartAsync();
        Cleanup.Add(wg);
        return wg.Name;
    }

    /// <summary>A raw get=1, independent of the class under test: the private key's public half and the port.</summary>
    protected override async Task<(WireGuardPublicKey PublicKey, int ListenPort)> ReadInterfaceAsync(string interfaceName)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(WireGuardGoInterface.SocketDirectory, interfaceName + ".sock")));
        await socket.SendAsync("get=1\n\n"u8.ToArray());
        var response = new StringBuilder();
        var buffer = new byte[4096];
        while (!response.ToString().EndsWith("\n\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer);
            read.ShouldBeGreaterThan(0);
            response.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var values = response.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .TakeWhile(pair => pair[0] != "public_key")
            .ToDictionary(pair => pair[0], pair => pair[1]);
        return (new WireGuardPrivateKey(Convert.FromHexString(values["private_key"])).PublicKey, int.Parse(values["listen_port"], CultureInfo.InvariantCulture));
    }
}
