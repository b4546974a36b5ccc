using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ProxyKit.Testing.Networking;

namespace ProxyKit.Server.Tests.ProxyInstances;

public sealed class ProxyInstanceTestEndpointTests
{
    [Fact]
    public async Task Test_NoEchoConfigured_ReportsItInsteadOfFailingSilently()
    {
        await using var factory = new ServerFactory()
            .With("ProxyKit:Instances:Assigner", "None")
            .With("ProxyKit:Instances:Prefixes:eth0", "2001:db8:98::/64");
        using var client = factory.CreateClient();
        var created = await (await client.PostAsJsonAsync("/api/create_proxy", new { type = "socks5", @interface = "eth0" })).Content.ReadFromJsonAsync<JsonElement>();

        var result = await client.GetFromJsonAsync<JsonElement>($"/api/proxy/{created.GetProperty("instance_id").GetString()}/test");
        using var missing = await client.GetAsync("/api/proxy/nope/test");

        result.GetProperty("success").GetBoolean().ShouldBeFalse();
        result.GetProperty("error").GetString()!.ShouldContain("ProxyKit:InstanceTest:EchoUrl");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [SkippableFact]
    public async Task Test_EchoReachableOverIPv6_ReportsTheInstancesOwnAddress()
    {
        Skip.IfNot(InstanceEgressEndToEndTests.IsRoot, "needs root on Linux to create a network namespace and add addresses");
        await using var space = await NetworkNamespace.CreateAsync();
        using var echo = space.ListenInside(new IPEndPoint(space.RemoteAddress, 8090));
        var echoTask = ServeEchoAsync(echo);
        await using var factory = new ServerFactory()
            .With("ProxyKit:InstanceTest:EchoUrl", $"http://[{space.RemoteAddress}]:8090/");
        using var client = factory.CreateClient();
        var created = await InstanceEgressEndToEndTests.CreateAsync(client, new { type = "socks5", @interface = space.HostLink });

        var result = await client.GetFromJsonAsync<JsonElement>($"/api/proxy/{created.GetProperty("instance_id").GetString()}/test");

        result.GetProperty("success").GetBoolean().ShouldBeTrue(result.ToString());
        result.GetProperty("egress_ip").GetString().ShouldBe(created.GetProperty("ipv6_address").GetString());
        result.GetProperty("latency_ms").GetDouble().ShouldBeGreaterThan(0);
        await echoTask;
    }

    // Answers one request with the caller's address as plain text.
    private static async Task ServeEchoAsync(Socket listener)
    {
        try
        {
            using var accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(15));
            using var stream = new NetworkStream(accepted);
            var buffer = new byte[4096];
            var read = 0;
            while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                read += await stream.ReadAsync(buffer.AsMemory(read));
            }

            var ip = ((IPEndPoint)accepted.RemoteEndPoint!).Address.ToString();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {ip.Length}\r\nConnection: close\r\n\r\n{ip}"));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or TimeoutException)
        {
            // The assertion on the API's answer reports what went wrong.
        }
    }
}
