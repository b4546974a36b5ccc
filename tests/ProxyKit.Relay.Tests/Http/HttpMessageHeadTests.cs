using System.Text;
using ProxyKit.Relay.Http;

namespace ProxyKit.Relay.Tests.Http;

public sealed class HttpMessageHeadTests
{
    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    // ---- FindEnd ----

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY", 27)]
    [InlineData("GET / HTTP/1.1\nHost: a\n\n", 24)]
    [InlineData("GET / HTTP/1.1\nHost: a\n\nx\r\n\r\n", 24)]
    [InlineData("GET / HTTP/1.1\r\n\r\nx\n\n", 18)]
    public void FindEnd_CompleteHead_ReturnsLengthThroughBlankLine(string text, int expected) =>
        HttpMessageHead.FindEnd(Bytes(text)).ShouldBe(expected);

    [Fact]
    public void FindEnd_EveryTruncation_ReturnsMinusOne()
    {
        var head = Bytes("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n");

        foreach (var length in Enumerable.Range(0, head.Length))
        {
            HttpMessageHead.FindEnd(head.AsSpan(0, length)).ShouldBe(-1, $"prefix of {length} bytes");
        }

        HttpMessageHead.FindEnd(head).ShouldBe(head.Length);
    }

    // ---- ParseRequest ----

    [Fact]
    public void ParseRequest_AbsoluteForm_ParsesLineAndHeaders()
    {
        var head = HttpMessageHead.ParseRequest(Bytes("GET http://a.test:8080/x?y=1 HTTP/1.1\r\nHost: a.test:8080\r\nX-Empty:\r\nX-Spaced: \t v \t\r\n\r\n"));

        head.ShouldNotBeNull();
        head.First.ShouldBe("GET");
        head.Second.ShouldBe("http://a.test:8080/x?y=1");
        head.Third.ShouldBe("HTTP/1.1");
        head.Headers.Select(h => (h.Key, h.Value)).ShouldBe([("Host", "a.test:8080"), ("X-Empty", ""), ("X-Spaced", "v")]);
        head.Get("host").ShouldBe("a.test:8080");
        head.Get("missing").ShouldBeNull();
    }

    [Fact]
    public void ParseRequest_Connect_Http10_LfOnly_Parses()
    {
        var head = HttpMessageHead.ParseRequest(Bytes("CONNECT [2001:db8::1]:443 HTTP/1.0\n\n"));

        head.ShouldNotBeNull();
        head.First.ShouldBe("CONNECT");
        head.Second.ShouldBe("[2001:db8::1]:443");
        head.Third.ShouldBe("HTTP/1.0");
    }

    [Fact]
    public void ParseRequest_HasToken_FindsCommaSeparatedTokensCaseInsensitively()
    {
        var head = HttpMessageHead.ParseRequest(Bytes("GET http://a/ HTTP/1.1\r\nConnection: keep-alive, X-Foo\r\nConnection: Close\r\n\r\n"))!;

        head.HasToken("connection", "x-foo").ShouldBeTrue();
        head.HasToken("Connection", "close").ShouldBeTrue();
        head.HasToken("Connection", "upgrade").ShouldBeFalse();
    }

    [Theory]
    [InlineData("GET http://a/ HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n")] // obs-fold, space
    [InlineData("GET http://a/ HTTP/1.1\r\nX-A: 1\r\n\tfolded\r\n\r\n")] // obs-fold, tab
    public void ParseRequest_ObsFold_Rejected(string text) => HttpMessageHead.ParseRequest(Bytes(text)).ShouldBeNull();

    [Theory]
    [InlineData("GET http://a/ HTTP/1.1\r\nNoColonHere\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\n: no name\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nBad Name: v\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nBad(Name): v\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nX-A: a\0b\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1\r\nX-A: a\rb\r\n\r\n")]
    public void ParseRequest_MalformedHeader_Rejected(string text) => HttpMessageHead.ParseRequest(Bytes(text)).ShouldBeNull();

    [Theory]
    [InlineData("GET http://a/ HTTP/2.0\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.2\r\n\r\n")]
    [InlineData("GET http://a/ http/1.1\r\n\r\n")]
    [InlineData("GET http://a/ HTTP/1.1x\r\n\r\n")]
    [InlineData("GET http://a/\r\n\r\n")]
    [InlineData("GET\r\n\r\n")]
    [InlineData("GET  http://a/ HTTP/1.1\r\n\r\n")] // two spaces
    [InlineData("GET http://a/ HTTP/1.1 extra\r\n\r\n")]
    [InlineData(" GET http://a/ HTTP/1.1\r\n\r\n")]
    [InlineData("G(T http://a/ HTTP/1.1\r\n\r\n")] // method not a token
    [InlineData("\r\n\r\n")]
    [InlineData("")]
    public void ParseRequest_BadRequestLine_Rejected(string text) => HttpMessageHead.ParseRequest(Bytes(text)).ShouldBeNull();

    [Fact]
    public void ParseRequest_128Headers_Accepted()
    {
        var head = HttpMessageHead.ParseRequest(Bytes(RequestWithHeaders(128)));

        head.ShouldNotBeNull();
        head.Headers.Count.ShouldBe(128);
    }

    [Fact]
    public void ParseRequest_129Headers_Rejected() => HttpMessageHead.ParseRequest(Bytes(RequestWithHeaders(129))).ShouldBeNull();

    [Fact]
    public void ParseRequest_Latin1Bytes_DoNotThrow()
    {
        var bytes = Bytes("GET http://a/ HTTP/1.1\r\nX-A: caf\u00e9\u00ff\r\n\r\n");

        HttpMessageHead.ParseRequest(bytes)!.Get("X-A").ShouldBe("caf\u00e9\u00ff");
    }

    // ---- ParseResponse ----

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "OK")]
    [InlineData("HTTP/1.0 404 Not Found Here\r\n\r\n", 404, "Not Found Here")]
    [InlineData("HTTP/1.1 204\r\n\r\n", 204, "")]
    [InlineData("HTTP/1.1 100 Continue\n\n", 100, "Continue")]
    public void ParseResponse_Valid_ParsesStatusAndReason(string text, int status, string reason)
    {
        var head = HttpMessageHead.ParseResponse(Bytes(text));

        head.ShouldNotBeNull();
        head.StatusCode.ShouldBe(status);
        head.Third.ShouldBe(reason);
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 abc OK\r\n\r\n")]
    [InlineData("HTTP/1.1\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n")]
    public void ParseResponse_Malformed_Rejected(string text) => HttpMessageHead.ParseResponse(Bytes(text)).ShouldBeNull();

    [Fact]
    public void ParseResponse_129Headers_Rejected()
    {
        var text = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 129).Select(i => $"X-H{i}: v\r\n")) + "\r\n";

        HttpMessageHead.ParseResponse(Bytes(text)).ShouldBeNull();
    }

    // ---- Serialize ----

    [Fact]
    public void Serialize_SkipAndExtra_DropsAndAppendsHeaders()
    {
        var head = HttpMessageHead.ParseRequest(Bytes("GET http://a/ HTTP/1.1\r\nHost: wrong\r\nX-Keep: 1\r\nX-Drop: 2\r\n\r\n"))!;

        var bytes = head.Serialize("GET / HTTP/1.1", name => name is "Host" or "X-Drop", ("Host", "a"));

        Encoding.Latin1.GetString(bytes).ShouldBe("GET / HTTP/1.1\r\nX-Keep: 1\r\nHost: a\r\n\r\n");
    }

    private static string RequestWithHeaders(int count) =>
        "GET http://a.test/ HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, count).Select(i => $"X-H{i}: v\r\n")) + "\r\n";
}
