using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ProxyKit.Relay.Egress;
using ProxyKit.Testing.Networking;

namespace ProxyKit.Server.Tests.ProxyInstances;

/// <summary>
/// Instances created through the HTTP API carrying real traffic across a network namespace (root): the relay host holds
/// one documentation /64 on a veth link, the target listens in another /64 beyond the far end.
/// </summary>
public sealed class InstanceEgressEndToEndTests
{
    private const string NotRoot = "needs root on Linux to create a network namespace and add addresses";

    [SkippableFact]
    public async Task LinuxAssigner_HundredInstances_TheTargetSeesEachInstancesOwnAddress_AndDeleteRemovesThem()
    {
        Skip.IfNot(IsRoot, NotRoot);
        await using var space = await NetworkNamespace.CreateAsync();
        using var target = space.ListenInside(new IPEndPoint(space.RemoteAddress, 8080));
        var targetEndPoint = (IPEndPoint)target.LocalEndPoint!;
        // No prefix configured: the Linux assigner discovers the link's global /64.
        await using var factory = new ServerFactory();
        using var client = factory.CreateClient();

        var pairs = new List<(string Instance, string Source)>();
        for (var i = 0; i < 100; i++)
        {
            var created = await CreateAsync(client, new { type = "both", @interface = space.HostLink });
            var endpoints = created.GetProperty("endpoints");
            using var tunnel = i % 2 == 0
                ? await Socks5ConnectAsync(IPEndPoint.Parse(endpoints.GetProperty("socks5").GetString()!), targetEndPoint)
                : await HttpConnectAsync(IPEndPoint.Parse(endpoints.GetProperty("http").GetString()!), targetEndPoint);
            using var accepted = await target.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
            pairs.Add((created.GetProperty("ipv6_address").GetString()!, ((IPEndPoint)accepted.RemoteEndPoint!).Address.ToString()));
        }

        pairs.ShouldAllBe(p => p.Instance == p.Source, "the target sees exactly each instance's own address");
        pairs.Select(p => p.Source).Distinct().Count().ShouldBe(100);
        pairs.ShouldAllBe(p => space.Prefix.Contains(IPAddress.Parse(p.Instance)));
        (await AddressesOnAsync(space.HostLink)).Count(a => pairs.Any(p => p.Instance == a)).ShouldBe(100, "each address is on the interface");

        var deleted = await (await client.PostAsJsonAsync("/api/proxy/bulk_delete", new { delete_all = true })).Content.ReadFromJsonAsync<JsonElement>();

        deleted.GetProperty("deleted_count").GetInt32().ShouldBe(100);
        (await AddressesOnAsync(space.HostLink)).ShouldNotContain(a => pairs.Any(p => p.Instance == a), "deleting removes the addresses");
    }

    [SkippableFact]
    public async Task AnyIpAssigner_RoutedPrefix_NoPerAddressWork_EachInstanceEgressesFromItsAddress()
    {
        Skip.IfNot(IsRoot, NotRoot);
        await using var space = await NetworkNamespace.CreateAsync();
        var routed = IPNetwork.Parse($"2001:db8:a:{RandomNumberGenerator.GetInt32(1, 0xffff):x}::/64");
        await space.RouteToHostAsync(routed);
        using var target = space.ListenInside(new IPEndPoint(space.RemoteAddress, 8081));
        try
        {
            await using var factory = new ServerFactory()
                .With("ProxyKit:Instances:Assigner", "AnyIp")
                .With($"ProxyKit:Instances:Prefixes:{space.HostLink}", routed.ToString());
            using var client = factory.CreateClient();

            for (var i = 0; i < 10; i++)
            {
                var created = await CreateAsync(client, new { type = "socks5", @interface = space.HostLink });
                using var tunnel = await Socks5ConnectAsync(IPEndPoint.Parse(created.GetProperty("proxy_endpoint").GetString()!), (IPEndPoint)target.LocalEndPoint!);
                using var accepted = await target.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));

                var address = created.GetProperty("ipv6_address").GetString()!;
                routed.Contains(IPAddress.Parse(address)).ShouldBeTrue();
                ((IPEndPoint)accepted.RemoteEndPoint!).Address.ToString().ShouldBe(address);
            }

            (await AddressesOnAsync(space.HostLink)).ShouldNotContain(a => routed.Contains(IPAddress.Parse(a)), "AnyIP adds no address per instance");
        }
        finally
        {
            await ProcessRunner.RunAsync("ip", ["-6", "route", "del", "local", routed.ToString(), "dev", "lo"]);
        }
    }

    [SkippableFact]
    public async Task NameWithOnlyAnARecord_Socks0x04AndHttp502_AndTheIPv4ListenerSeesNothing()
    {
        Skip.IfNot(IsRoot, NotRoot);
        using var ipv4 = new TcpListener(IPAddress.Loopback, 0);
        ipv4.Start();
        var port = ((IPEndPoint)ipv4.LocalEndpoint).Port;
        await using var space = await NetworkNamespace.CreateAsync();
        await using var factory = new ServerFactory().WithServices(services =>
            services.Replace(ServiceDescriptor.Singleton<IDnsResolver>(new ARecordOnlyResolver("v4only.test", IPAddress.Loopback))));
        using var client = factory.CreateClient();
        var created = await CreateAsync(client, new { type = "both", @interface = space.HostLink });
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

    [SkippableFact]
    public async Task UnknownInterface_400AndNothingCreated()
    {
        Skip.IfNot(IsRoot, NotRoot);
        await using var factory = new ServerFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/create_proxy", new { type = "http", @interface = "pknosuch0" });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!.ShouldContain("pknosuch0");
        (await client.GetFromJsonAsync<JsonElement>("/api/stats")).GetProperty("total_proxies").GetInt32().ShouldBe(0);
    }

    internal static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    internal static async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/api/create_proxy", body);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json.ToString());
        return json;
    }

    private static async Task<List<string>> AddressesOnAsync(string link)
    {
        var result = await ProcessRunner.RunAsync("ip", ["-6", "-o", "addr", "show", "dev", link]);
        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(fields => fields[Array.IndexOf(fields, "inet6") + 1].Split('/')[0])];
    }

    private static async Task<Socket> Socks5ConnectAsync(IPEndPoint proxy, IPEndPoint target)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        await socket.SendAsync(new byte[] { 5, 1, 0 });
        await ReadExactAsync(socket, 2);
        await socket.SendAsync((byte[])[5, 1, 0, 4, .. target.Address.GetAddressBytes(), (byte)(target.Port >> 8), (byte)target.Port]);
        var reply = await ReadExactAsync(socket, 4 + 16 + 2);
        reply[1].ShouldBe((byte)0x00);
        return socket;
    }

    private static async Task<Socket> HttpConnectAsync(IPEndPoint proxy, IPEndPoint target)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"));
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            head.Append((char)(await ReadExactAsync(socket, 1))[0]);
        }

        head.ToString().ShouldStartWith("HTTP/1.1 200");
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
