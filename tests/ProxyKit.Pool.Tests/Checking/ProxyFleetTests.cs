using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool.Tests.Checking;

/// <summary>Every fleet member is classified by the runner with the built-in checkers against a loopback judge.</summary>
public sealed class ProxyFleetTests(ProxyFleetFixture fleet) : IClassFixture<ProxyFleetFixture>
{
    private static readonly string[] AllStages = ["tcp_connect", "protocol_handshake", "http_anonymity"];

    [SkippableFact]
    public async Task CheckAsync_EliteHttpProxy_PassesAsEliteWithItsExitAddress()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Elite.EndPoint, "http");

        ShouldPass(report);
        report.Findings.Anonymity.ShouldBe("elite");
        report.Findings.ExitIp.ShouldBe(fleet.Elite.Address);
        report.Findings.ProtocolConfirmed.ShouldBe(true);
        report.Checks[1].Detail.ShouldStartWith("HTTP forwarding OK");
        report.Latency.ShouldNotBeNull();
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyAddingVia_IsAnonymous()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Anonymous.EndPoint, "http");

        ShouldPass(report);
        report.Findings.Anonymity.ShouldBe("anonymous");
        report.Checks[2].Detail.ShouldContain("Via added");
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyForwardingOurAddress_IsTransparent()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Transparent.EndPoint, "http");

        ShouldPass(report);
        report.Findings.Anonymity.ShouldBe("transparent");
        report.Checks[2].Detail.ShouldContain("X-Forwarded-For shows our address");
    }

    [SkippableFact]
    public async Task CheckAsync_ConnectOnlyHttpProxy_FallsBackToConnectAndIsElite()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.ConnectOnly.EndPoint, "http");

        ShouldPass(report);
        report.Checks[1].Detail.ShouldBe("HTTP CONNECT OK (GET refused with HTTP 403)");
        report.Findings.Anonymity.ShouldBe("elite");
        report.Findings.ExitIp.ShouldBe(fleet.ConnectOnly.Address);
    }

    [SkippableFact]
    public async Task CheckAsync_ConnectOnlyProxyListedAsHttps_Passes()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.ConnectOnly.EndPoint, "https");

        ShouldPass(report);
        report.Checks[1].Detail.ShouldBe("HTTP CONNECT OK");
    }

    [SkippableFact]
    public async Task CheckAsync_Socks4Proxy_PassesAsElite()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks4.EndPoint, "socks4");

        ShouldPass(report);
        report.Checks[1].Detail.ShouldBe("SOCKS4 CONNECT OK");
        report.Findings.Anonymity.ShouldBe("elite");
        report.Findings.ExitIp.ShouldBe(fleet.Socks4.Address);
    }

    [SkippableFact]
    public async Task CheckAsync_Socks5WithoutAuth_Passes()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks5NoAuth.EndPoint, "socks5");

        ShouldPass(report);
        report.Checks[1].Detail.ShouldBe("SOCKS5 CONNECT OK (no auth)");
    }

    [SkippableFact]
    public async Task CheckAsync_Socks5WithRightPassword_Passes()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks5Auth.EndPoint, "socks5", "alice", "s3cret");

        ShouldPass(report);
        report.Checks[1].Detail.ShouldBe("SOCKS5 CONNECT OK (username/password)");
        report.Findings.ExitIp.ShouldBe(fleet.Socks5Auth.Address);
    }

    [SkippableFact]
    public async Task CheckAsync_Socks5WithWrongPassword_FailsAtTheHandshake()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks5Auth.EndPoint, "socks5", "alice", "wrong");

        ShouldFailAt(report, "protocol_handshake", "SOCKS5 authentication failed: the proxy rejected the username or password");
    }

    [SkippableFact]
    public async Task CheckAsync_Socks5NeedingAuthWithoutCredentials_FailsClearly()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks5Auth.EndPoint, "socks5");

        ShouldFailAt(report, "protocol_handshake", "SOCKS5 proxy requires authentication and no credentials are known");
    }

    [SkippableFact]
    public async Task CheckAsync_ClosedPort_FailsTcpConnectAsRefused()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Refused, "http");

        ShouldFailAt(report, "tcp_connect", "refused");
        report.Latency.ShouldBeNull();
    }

    [SkippableFact]
    public async Task CheckAsync_Blackhole_TimesOutAtTheHandshake()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);
        var watch = Stopwatch.StartNew();

        var report = await fleet.CheckAsync(fleet.Blackhole.EndPoint, "socks5");

        ShouldFailAt(report, "protocol_handshake", "timed out after 2000 ms");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(6));
    }

    [SkippableFact]
    public async Task CheckAsync_SlowProxyWithinTheTimeout_PassesWithItsLatency()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Slow.EndPoint, "http");

        ShouldPass(report);
        report.Latency!.Value.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(140));
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyStallingMidBody_TimesOutAtTheJudgeRequest()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.StallMidBody.EndPoint, "http");

        ShouldFailAt(report, "http_anonymity", "timed out after 2000 ms");
    }

    [SkippableFact]
    public async Task CheckAsync_CannedPageFake_FailsForTheMissingToken()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);
        var before = fleet.Judge.Requests;

        var report = await fleet.CheckAsync(fleet.Canned.EndPoint, "http");

        ShouldFailAt(report, "http_anonymity", "token missing: the answer did not come from the judge (canned page)");
        report.Findings.Anonymity.ShouldBeNull();
    }

    [SkippableFact]
    public async Task CheckAsync_BodyTamperingProxy_FailsForTheTokenMismatch()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Tampering.EndPoint, "http");

        ShouldFailAt(report, "http_anonymity", "token mismatch: the proxy altered the request or the answer");
    }

    [SkippableFact]
    public async Task CheckAsync_Socks5ServerListedAsHttp_FailsAsWrongProtocol()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks5NoAuth.EndPoint, "http");

        ShouldFailAt(report, "protocol_handshake", "wrong protocol: expected HTTP, the proxy answered SOCKS5");
        report.Findings.ProtocolConfirmed.ShouldBe(false);
    }

    [SkippableFact]
    public async Task CheckAsync_HttpProxyListedAsSocks5_FailsAsWrongProtocol()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Elite.EndPoint, "socks5");

        ShouldFailAt(report, "protocol_handshake", "wrong protocol: expected SOCKS5, the proxy answered HTTP");
        report.Findings.ProtocolConfirmed.ShouldBe(false);
    }

    [SkippableFact]
    public async Task CheckAsync_HttpProxyListedAsSocks4_FailsAsWrongProtocol()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Elite.EndPoint, "socks4");

        ShouldFailAt(report, "protocol_handshake", "wrong protocol: expected SOCKS4, the proxy answered HTTP");
    }

    [SkippableFact]
    public async Task CheckAsync_Socks5ServerListedAsSocks4_FailsAsWrongProtocol()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Socks5NoAuth.EndPoint, "socks4");

        ShouldFailAt(report, "protocol_handshake", "wrong protocol: expected SOCKS4, the proxy answered SOCKS5");
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyRequiringAuthWithoutCredentials_FailsWith407()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.AuthRequired.EndPoint, "http");

        ShouldFailAt(report, "protocol_handshake", "proxy authentication required (HTTP 407 to GET) and no credentials are known");
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyRequiringAuthWithWrongCredentials_FailsWith407()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.AuthRequired.EndPoint, "http", "bob", "nope");

        ShouldFailAt(report, "protocol_handshake", "proxy rejected the credentials (HTTP 407 to GET)");
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyRequiringAuthWithCredentials_PassesAndDoesNotLeakThem()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.AuthRequired.EndPoint, "http", "bob", "hunter2");

        ShouldPass(report);
        report.Findings.Anonymity.ShouldBe("elite");
        report.Checks.ShouldAllBe(c => !c.Detail.Contains("hunter2"));
    }

    [SkippableFact]
    public async Task CheckAsync_FlappingProxy_AlternatesBetweenRuns()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var first = await fleet.CheckAsync(fleet.Flapping.EndPoint, "http");
        var second = await fleet.CheckAsync(fleet.Flapping.EndPoint, "http");
        var third = await fleet.CheckAsync(fleet.Flapping.EndPoint, "http");

        ShouldPass(first);
        ShouldFailAt(second, "protocol_handshake", "proxy refused GET (HTTP 502) and CONNECT (HTTP 502)");
        ShouldPass(third);
    }

    [SkippableFact]
    public async Task CheckAsync_WholeFleetConcurrently_ClassifiesEveryMemberWithinSeconds()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);
        var watch = Stopwatch.StartNew();

        var reports = await Task.WhenAll(
            fleet.CheckAsync(fleet.Elite.EndPoint, "http"),
            fleet.CheckAsync(fleet.Anonymous.EndPoint, "http"),
            fleet.CheckAsync(fleet.Transparent.EndPoint, "http"),
            fleet.CheckAsync(fleet.Socks4.EndPoint, "socks4"),
            fleet.CheckAsync(fleet.Socks5Auth.EndPoint, "socks5", "alice", "s3cret"),
            fleet.CheckAsync(fleet.Blackhole.EndPoint, "http"),
            fleet.CheckAsync(fleet.Canned.EndPoint, "http"),
            fleet.CheckAsync(fleet.Refused, "socks5"));

        reports.Select(r => r.Passed).ShouldBe([true, true, true, true, true, false, false, false]);
        reports.Take(5).Select(r => r.Findings.Anonymity).ShouldBe(["elite", "anonymous", "transparent", "elite", "elite"]);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(8));
    }

    [SkippableFact]
    public async Task CheckAsync_SourceCountry_IsTheFoundCountry()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);

        var report = await fleet.CheckAsync(fleet.Elite.EndPoint, "http", country: "de");

        report.Findings.Country.ShouldBe("DE");
    }

    [SkippableFact]
    public async Task CheckAsync_TwoJudges_AsksBothAndTheWorstWins()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);
        await using var second = new LoopbackJudge();
        await using var provider = Provider([fleet.Judge.Url, second.Url]);

        var report = await provider.GetRequiredService<ProxyCheckRunner>()
            .CheckAsync(new ProxyCheckTarget(fleet.Anonymous.EndPoint, "http", null, null, null), CancellationToken.None);

        ShouldPass(report);
        report.Findings.Anonymity.ShouldBe("anonymous");
        second.Requests.ShouldBe(2); // the direct baseline and the request through the proxy
    }

    [SkippableFact]
    public async Task CheckAsync_UnreachableJudge_FailsTheAnonymityCheckNamingIt()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var provider = Provider([fleet.Judge.Url, $"http://127.0.0.1:{port}/judge"]);

        var report = await provider.GetRequiredService<ProxyCheckRunner>()
            .CheckAsync(new ProxyCheckTarget(fleet.Elite.EndPoint, "http", null, null, null), CancellationToken.None);

        ShouldFailAt(report, "http_anonymity", $"judge 127.0.0.1:{port} unavailable: a direct request to it failed");
    }

    [SkippableFact]
    public async Task CheckAsync_ProxyShowingAConfiguredOwnAddress_IsTransparent()
    {
        Skip.IfNot(fleet.Available, fleet.SkipReason);
        await using var leaky = FakeProxy.Http(IPAddress.Parse("127.0.0.60"), new FakeHttpBehaviour
        {
            AddHeaders = _ => [("Forwarded", "for=\"203.0.113.5:51234\";proto=http")],
        });
        await using var provider = Provider([fleet.Judge.Url], own: ["203.0.113.5"]);

        var report = await provider.GetRequiredService<ProxyCheckRunner>()
            .CheckAsync(new ProxyCheckTarget(leaky.EndPoint, "http", null, null, null), CancellationToken.None);

        ShouldPass(report);
        report.Findings.Anonymity.ShouldBe("transparent");
        report.Checks[2].Detail.ShouldStartWith("transparent: Forwarded shows our address");
    }

    private static ServiceProvider Provider(string[] judges, string[]? own = null) =>
        new ServiceCollection()
            .AddProxyKitPool(o =>
            {
                o.Checking.JudgeUrls = judges;
                o.Checking.OwnAddresses = own ?? [];
                o.Checking.CheckTimeout = ProxyFleetFixture.CheckTimeout;
            })
            .Services.BuildServiceProvider();

    private static void ShouldPass(ProxyCheckReport report)
    {
        report.Checks.Select(c => c.Checker).ShouldBe(AllStages, $"checks: {Describe(report)}");
        report.Passed.ShouldBeTrue(Describe(report));
        report.Findings.ProtocolConfirmed.ShouldBe(true);
    }

    private static void ShouldFailAt(ProxyCheckReport report, string checker, string detail)
    {
        report.Passed.ShouldBeFalse(Describe(report));
        var last = report.Checks[^1];
        last.Checker.ShouldBe(checker, Describe(report));
        last.Passed.ShouldBeFalse();
        last.Detail.ShouldBe(detail);
        report.Checks.Take(report.Checks.Count - 1).ShouldAllBe(c => c.Passed);
    }

    private static string Describe(ProxyCheckReport report) =>
        string.Join("; ", report.Checks.Select(c => $"{c.Checker}={(c.Passed ? "pass" : "FAIL")} ({c.Detail})"));
}
