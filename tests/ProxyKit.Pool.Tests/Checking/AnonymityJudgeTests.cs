using System.Net;
using System.Text;
using System.Text.Json;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool.Tests.Checking;

public sealed class AnonymityJudgeTests
{
    private static readonly IPAddress Own = IPAddress.Parse("203.0.113.5");

    private static readonly JudgeBaseline Baseline = new(Own, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Host"] = "judge.example",
        ["User-Agent"] = "ProxyKit-Checker/1.0",
        ["X-ProxyKit-Token"] = "direct",
    });

    [Fact]
    public void CreateEcho_Request_EchoesAddressHeadersAndToken()
    {
        var json = AnonymityJudge.CreateEcho(
            IPAddress.Parse("::ffff:198.51.100.7"),
            [KeyValuePair.Create("Host", (string?)"judge.example"), KeyValuePair.Create("Via", (string?)"1.1 a"), KeyValuePair.Create("via", (string?)"1.1 b")],
            "abc123");

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        root.GetProperty("remote_address").GetString().ShouldBe("198.51.100.7");
        root.GetProperty("headers").GetProperty("Host").GetString().ShouldBe("judge.example");
        root.GetProperty("headers").GetProperty("Via").GetString().ShouldBe("1.1 a, 1.1 b");
        root.GetProperty("token").GetString().ShouldBe("abc123");
    }

    [Fact]
    public void CreateEcho_NoOrHugeToken_EchoesNull()
    {
        JsonDocument.Parse(AnonymityJudge.CreateEcho(null, [], null)).RootElement.GetProperty("token").ValueKind.ShouldBe(JsonValueKind.Null);
        JsonDocument.Parse(AnonymityJudge.CreateEcho(null, [], new string('a', 500))).RootElement.GetProperty("token").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public void JudgeEcho_RoundTrip_ParsesWhatTheJudgeWrote()
    {
        var echo = JudgeEcho.TryParse(AnonymityJudge.CreateEcho(Own, [KeyValuePair.Create("X-A", (string?)"1")], "t"));

        echo.ShouldNotBeNull();
        echo.RemoteAddress.ShouldBe(Own);
        echo.Headers["x-a"].ShouldBe("1");
        echo.Token.ShouldBe("t");
        JudgeEcho.TryParse("<html>Your IP</html>"u8).ShouldBeNull();
        JudgeEcho.TryParse("{\"x\":1}"u8).ShouldBeNull();
    }

    [Theory]
    [InlineData(null, null, "elite")]
    [InlineData("Via", "1.1 squid", "anonymous")]
    [InlineData("X-Forwarded-For", "10.1.2.3", "anonymous")]
    [InlineData("X-Forwarded-For", "203.0.113.5", "transparent")]
    [InlineData("X-Forwarded-For", "10.0.0.1, 203.0.113.5", "transparent")]
    [InlineData("Forwarded", "for=\"203.0.113.5:4711\";proto=http", "transparent")]
    [InlineData("Forwarded", "for=\"[2001:db8::5]:4711\"", "transparent")]
    [InlineData("X-Real-IP", "203.0.113.5", "transparent")]
    [InlineData("Client-IP", "203.0.113.50", "anonymous")]
    [InlineData("X-Custom", "203.0.113.5", "transparent")]
    [InlineData("X-Custom", "hello", "elite")]
    public void Classify_AddedHeader_GivesTheLevel(string? name, string? value, string level)
    {
        var headers = new Dictionary<string, string>(Baseline.Headers, StringComparer.OrdinalIgnoreCase) { ["X-ProxyKit-Token"] = "other" };
        if (name is not null)
        {
            headers[name] = value!;
        }

        var verdict = HttpAnonymityChecker.Classify(new JudgeEcho(IPAddress.Parse("198.51.100.7"), headers, "t"), Baseline,
            new HashSet<IPAddress> { Own, IPAddress.Parse("2001:db8::5") });

        verdict.Level.ShouldBe(level);
    }

    [Fact]
    public void Classify_ExitIsOurAddress_IsTransparent()
    {
        HttpAnonymityChecker.Classify(new JudgeEcho(Own, Baseline.Headers, "t"), Baseline, new HashSet<IPAddress> { Own })
            .Level.ShouldBe("transparent");
    }

    [Fact]
    public void Classify_HeaderTheJudgeAddsAnyway_IsNotBlamedOnTheProxy()
    {
        // A judge behind a CDN sees Via on the direct request too: unchanged, it says nothing about the proxy.
        var baseline = new JudgeBaseline(Own, new Dictionary<string, string>(Baseline.Headers, StringComparer.OrdinalIgnoreCase) { ["Via"] = "1.1 cdn" });
        var headers = new Dictionary<string, string>(baseline.Headers, StringComparer.OrdinalIgnoreCase);

        HttpAnonymityChecker.Classify(new JudgeEcho(IPAddress.Parse("198.51.100.7"), headers, "t"), baseline, new HashSet<IPAddress> { Own })
            .Level.ShouldBe("elite");
    }

    [Theory]
    [InlineData("1", 0)]
    [InlineData("1.2.3.4", 1)]
    [InlineData("1.2.3.4:80, [2001:db8::1]:443, unknown, ::1", 3)]
    [InlineData("for=192.0.2.60;proto=http;by=203.0.113.43", 2)]
    public void ParseAddresses_HeaderValue_FindsLiterals(string value, int count)
    {
        HttpAnonymityChecker.ParseAddresses(value).Count().ShouldBe(count);
    }

    [Fact]
    public async Task HttpResponseReader_ChunkedBody_IsDecodedAndCapped()
    {
        var wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        var reader = new HttpResponseReader(new MemoryStream(Encoding.ASCII.GetBytes(wire)));

        var head = await reader.ReadHeadAsync(CancellationToken.None);
        var body = await reader.ReadBodyAsync(head, 1024, CancellationToken.None);

        Encoding.ASCII.GetString(body).ShouldBe("hello world");

        var capped = new HttpResponseReader(new MemoryStream(Encoding.ASCII.GetBytes(wire)));
        var cappedHead = await capped.ReadHeadAsync(CancellationToken.None);
        (await Should.ThrowAsync<ProxyCheckFailure>(async () => await capped.ReadBodyAsync(cappedHead, 8, CancellationToken.None)))
            .Detail.ShouldBe("answer larger than 8 bytes");
    }
}
