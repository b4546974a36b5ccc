using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Relay.Egress;

namespace ProxyKit.Server.Tests.ProxyInstances;

/// <summary>Instances created through the HTTP API carrying real traffic (root: documentation addresses and an AnyIP route).</summary>
public sealed class InstanceEgressEndToEndTests
{
    private const string NotRoot = "needs root to add a documentation address and an AnyIP route";

    [SkippableFact]
    public async Task HundredInstances_EachTargetConnectionComesFromItsInstancesAddress()
    {
        Skip.IfNot(IsRoot, NotRoot);
        await using var network = DocumentationNetwork.Create();
        using var target = new TcpListener(network.TargetAddress, 0);
        target.Start();
        var targetEndPoint = (IPEndPoint)target.LocalEndpoint;
        await using var factory = network.Server();
        using var client = factory.CreateClient();

        var pairs = new List<(string Instance, string Source)>();
        for (var i = 0; i < 100; i++)
        {
            var created = await (await client.PostAsJsonAsync("/api/create_proxy", new { type = "socks5", @interface = "lo" })).Content.ReadFromJsonAsync<JsonElement>();
            using var tunnel = await Socks5ConnectAsync(IPEndPoint.Parse(created.GetProperty("proxy_endpoint").GetString()!), targetEndPoint);
            using var accepted = await target.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
            pairs.Add((created.GetProperty("ipv6_address").GetString()!, ((IPEndPoint)accepted.RemoteEndPoint!).Address.ToString()));
        }

        pairs.ShouldAllBe(p => p.Instance == p.Source, "the target sees exactly each instance's own address");
        pairs.Select(p => p.Source).Distinct().Count().ShouldBe(100);
    }

    [SkippableFact]
    public async Task NameWithOnlyAnARecord_Socks0x04AndHttp502_AndTheIPv4ListenerSeesNothing()
    {
        Skip.IfNot(IsRoot, NotRoot);
        using var ipv4 = new TcpListener(IPAddress.Loopback, 0);
        ipv4.Start();
        var port = ((IPEndPoint)ipv4.LocalEndpoint).Port;
        await using var network = DocumentationNetwork.Create();
        await using var factory = network.Server(services =>
            services.Replace(ServiceDescriptor.Singleton<IDnsResolver>(new ARecordOnlyResolver("v4only.test", IPAddress.Loopback))));
        using var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/create_proxy", new { type = "both", @interface = "lo" })).Content.ReadFromJsonAsync<JsonElement>();
        var endpoints = created.GetProperty("endpoints");

        var socksReply = await Socks5ConnectReplyAsync(IPEndPoint.Parse(endpoints.GetProperty("socks5").GetString()!), "v4only.test", port);
        using var http = new TcpClient();
        await http.ConnectAsync(IPEndPoint.Parse(endpoints.GetProperty("http").GetString()!));
        var stream = http.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET http://v4only.test:{port}/ HTTP/1.1\r\nHost: v4only.test\r\n\r\n"));
        var buffer = new byte[1024];
        var read = await stream.ReadAsync(buffer);
        var response = Encoding.ASCII.GetString(buffer, 0, read);

        socksReply.ShouldBe((byte)0x04);
        response.ShouldStartWith("HTTP/1.1 502 ");
        response.ShouldContain("Proxy-Status: ProxyKit; error=dns_error");
        ipv4.Pending().ShouldBeFalse("no IPv4 fallback: the IPv4 listener receives zero connections");
    }

    private static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    private static async Task<Socket> Socks5ConnectAsync(IPEndPoint proxy, IPEndPoint target)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        await socket.SendAsync(new byte[] { 5, 1, 0 });
        await ReadExactAsync(socket, 2);
        var request = new List<byte> { 5, 1, 0, 4 };
        request.AddRange(target.Address.GetAddressBytes());
        request.Add((byte)(target.Port >> 8));
        request.Add((byte)target.Port);
        await socket.SendAsync(request.ToArray());
        var reply = await ReadExactAsync(socket, 4 + 16 + 2);
        reply[1].ShouldBe((byte)0x00);
        return socket;
    }

    private static async Task<byte> Socks5ConnectReplyAsync(IPEndPoint proxy, string host, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        await socket.SendAsync(new byte[] { 5, 1, 0 });
        await ReadExactAsync(socket, 2);
        var name = Encoding.ASCII.GetBytes(host);
        await socket.SendAsync((byte[])[5, 1, 0, 3, (byte)name.Length, .. name, (byte)(port >> 8), (byte)port]);
        return (await ReadExactAsync(socket, 2))[1];
    }

    private static async Task<byte[]> ReadExactAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer[..read];
    }

    private sealed class ARecordOnlyResolver(string host, IPAddress address) : IDnsResolver
    {
        public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string name, AddressFamily family, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<IPAddress>>(
                name == host && family != AddressFamily.InterNetworkV6 ? [address] : []);
    }
}
