using System.Net;
using System.Net.Http;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Listeners;

/// <summary>Unmodified real clients (HttpClient, curl) through the relay to a local origin server.</summary>
public sealed class RealClientTests
{
    private const string Curl = "/usr/bin/curl";

    public static TheoryData<string, string> ProxiesAndTargets() => new()
    {
        { "socks5", "127.0.0.1" },
        { "socks5", "::1" },
        { "http", "127.0.0.1" },
        { "http", "::1" },
    };

    [Theory]
    [MemberData(nameof(ProxiesAndTargets))]
    public async Task HttpClient_WebProxy_ReachesLocalTarget(string scheme, string targetAddress)
    {
        await using var server = TestHttpServer.Start(IPAddress.Parse(targetAddress));
        await using var relay = TestRelay.Start();
        using var client = CreateClient(new WebProxy($"{scheme}://{relay.EndPoint}"));

        var first = await client.GetStringAsync(new Uri(server.Url("/source")));
        var second = await client.GetStringAsync(new Uri(server.Url("/second")));

        first.ShouldBe(targetAddress, "the target sees the relay's upstream connection from loopback");
        second.ShouldBe("hello /second");
        server.Requests.Count.ShouldBe(2);
        relay.Stats.ConnectionsAccepted.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Theory]
    [InlineData("socks5")]
    [InlineData("http")]
    public async Task HttpClient_WebProxyWithCredentials_Authenticates(string scheme)
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = new RelayCredentials("alice", "s3cret"));
        using var client = CreateClient(new WebProxy($"{scheme}://{relay.EndPoint}") { Credentials = new NetworkCredential("alice", "s3cret") });

        (await client.GetStringAsync(new Uri(server.Url("/auth")))).ShouldBe("hello /auth");
    }

    [Fact]
    public async Task HttpClient_HttpProxyWrongCredentials_Gets407()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = new RelayCredentials("alice", "s3cret"));
        using var client = CreateClient(new WebProxy($"http://{relay.EndPoint}") { Credentials = new NetworkCredential("alice", "wrong") });

        using var response = await client.GetAsync(new Uri(server.Url("/auth")));

        response.StatusCode.ShouldBe(HttpStatusCode.ProxyAuthenticationRequired);
        server.ConnectionsAccepted.ShouldBe(0);
    }

    [Fact]
    public async Task HttpClient_HttpProxy_PostBodyArrives()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = CreateClient(new WebProxy($"http://{relay.EndPoint}"));
        using var content = new StringContent(new string('z', 100_000));

        using var response = await client.PostAsync(new Uri(server.Url("/echo")), content);

        (await response.Content.ReadAsStringAsync()).ShouldBe(new string('z', 100_000));
    }

    [SkippableFact]
    public async Task Curl_Socks5Hostname_NameResolvedByRelay()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real SOCKS5 client.");
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        var dns = new StaticDnsResolver().Add("origin.test", IPAddress.Loopback);
        await using var relay = TestRelay.Start(dns: dns);

        var result = await RunCurlAsync("--socks5-hostname", relay.EndPoint.ToString(), $"http://origin.test:{server.Port}/source");

        result.StandardOutput.ShouldBe("127.0.0.1");
        dns.Queries.ShouldContain(q => q.Host == "origin.test", "with --socks5-hostname the relay resolves the name");
        server.Requests.ShouldHaveSingleItem().Head.Get("Host").ShouldBe($"origin.test:{server.Port}");
    }

    [SkippableFact]
    public async Task Curl_Socks5LocalResolution_ConnectsByAddress()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real SOCKS5 client.");
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        var dns = new StaticDnsResolver();
        await using var relay = TestRelay.Start(dns: dns);

        var result = await RunCurlAsync("--socks5", relay.EndPoint.ToString(), server.Url("/source"));

        result.StandardOutput.ShouldBe("127.0.0.1");
        dns.Queries.ShouldBeEmpty();
    }

    [SkippableFact]
    public async Task Curl_Socks5WithCredentials_Authenticates()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real SOCKS5 client.");
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = new RelayCredentials("alice", "s3cret"));

        var result = await RunCurlAsync("--socks5-hostname", $"alice:s3cret@{relay.EndPoint}", server.Url("/x"));

        result.StandardOutput.ShouldBe("hello /x");
    }

    [SkippableFact]
    public async Task Curl_HttpProxyAbsoluteForm_Forwarded()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real HTTP proxy client.");
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        var dns = new StaticDnsResolver().Add("origin.test", IPAddress.Loopback);
        await using var relay = TestRelay.Start(dns: dns);

        var result = await RunCurlAsync("-x", $"http://{relay.EndPoint}", $"http://origin.test:{server.Port}/source", $"http://origin.test:{server.Port}/again");

        result.StandardOutput.ShouldBe("127.0.0.1" + "hello /again");
        server.Requests.Count.ShouldBe(2);
        server.Requests.ShouldAllBe(r => !r.Head.Has("Proxy-Connection"));
        server.ConnectionsAccepted.ShouldBe(1, "curl reuses its proxy connection and the relay its upstream one");
    }

    [SkippableFact]
    public async Task Curl_HttpProxyTunnel_ConnectUsed()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real HTTP proxy client.");
        await using var server = TestHttpServer.Start(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start();

        var result = await RunCurlAsync("-p", "-x", $"http://{relay.EndPoint}", server.Url("/source"));

        result.StandardOutput.ShouldBe("::1");
        server.Requests.ShouldHaveSingleItem().Target.ShouldBe("/source", "inside a CONNECT tunnel curl speaks origin-form");
    }

    [SkippableFact]
    public async Task Curl_HttpProxyRefusedTarget_Reports502()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real HTTP proxy client.");
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start();

        var result = await RunCurlAsync(expectSuccess: false, "-o", "/dev/null", "-w", "%{http_code}", "-D", "-", "-x", $"http://{relay.EndPoint}", $"http://127.0.0.1:{closed}/");

        result.StandardOutput.ShouldContain("Proxy-Status: ProxyKit; error=connection_refused");
        result.StandardOutput.ShouldEndWith("502");
    }

    [SkippableFact]
    public async Task Curl_Socks5RefusedTarget_CurlReportsFailure()
    {
        Skip.IfNot(File.Exists(Curl), $"{Curl} is not installed; this test runs curl as a real SOCKS5 client.");
        var closed = TestNetworkPorts.UnusedPort(IPAddress.Loopback);
        await using var relay = TestRelay.Start();

        var result = await RunCurlAsync(expectSuccess: false, "--socks5", relay.EndPoint.ToString(), $"http://127.0.0.1:{closed}/");

        result.ExitCode.ShouldBe(97, $"curl exit 97 is a SOCKS proxy handshake failure; stderr: {result.StandardError}");
        result.StandardError.ShouldContain("(5)", customMessage: "curl names the SOCKS5 reply code: 5 = connection refused");
    }

    private static HttpClient CreateClient(WebProxy proxy) =>
        new(new SocketsHttpHandler { Proxy = proxy, UseProxy = true, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(10) };

    private static Task<ProcessResult> RunCurlAsync(params string[] arguments) => RunCurlAsync(expectSuccess: true, arguments);

    private static async Task<ProcessResult> RunCurlAsync(bool expectSuccess, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(Curl, ["-sS", "--max-time", "5", "--noproxy", "", .. arguments]);
        if (expectSuccess)
        {
            result.ExitCode.ShouldBe(0, $"curl {string.Join(' ', arguments)}: {result.StandardError}");
        }

        return result;
    }
}
