using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

public sealed class PlainTextProxyParserTests
{
    [Fact]
    public async Task RealisticList_CommentsBomCrlfSchemesCredentialsIPv6AndDuplicates()
    {
        var list = "\uFEFF# Free proxy list — updated hourly\r\n"
            + "# 203.0.113.9:3128 is in a comment and must be ignored\r\n"
            + "\r\n"
            + "192.0.2.10:8080\r\n"
            + "   192.0.2.11:3128   \n"
            + "SOCKS5://192.0.2.12:1080\n"
            + "socks5h://alice:s%40cret@192.0.2.13:1080\r\n"
            + "socks4a://192.0.2.14:1080\n"
            + "http://bob:pa:ss@192.0.2.15:8000\n"
            + "192.0.2.16:8000:carol:Secret\n"
            + "[2001:DB8:0:0:0:0:0:1]:8080\n"
            + "https://[2001:db8::2]:443\n"
            + "192.0.2.10:8080\n"
            + "socks5://192.0.2.10:8080\n"
            + "Proxy 192.0.2.17:81, backup 192.0.2.18:82; best!\n"
            + "not a proxy at all\n";

        var context = await ParseAsync(list);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.10", 8080, null, null, null),
            new ParsedProxy("192.0.2.11", 3128, null, null, null),
            new ParsedProxy("192.0.2.12", 1080, "socks5", null, null),
            new ParsedProxy("192.0.2.13", 1080, "socks5", "alice", "s@cret"),
            new ParsedProxy("192.0.2.14", 1080, "socks4", null, null),
            new ParsedProxy("192.0.2.15", 8000, "http", "bob", "pa:ss"),
            new ParsedProxy("192.0.2.16", 8000, null, "carol", "Secret"),
            new ParsedProxy("2001:db8::1", 8080, null, null, null),
            new ParsedProxy("2001:db8::2", 443, "https", null, null),
            new ParsedProxy("192.0.2.10", 8080, "socks5", null, null),
            new ParsedProxy("192.0.2.17", 81, null, null, null),
            new ParsedProxy("192.0.2.18", 82, null, null, null),
        ]);
        context.Duplicates.ShouldBe(1, "the same proxy again; the same ip:port with another protocol is distinct");
        context.Rejected.ShouldBe(1);
    }

    [Theory]
    [InlineData("192.0.2.32:70000")]          // not port 7000
    [InlineData("999.1.1.1:80")]              // not 99.1.1.1 or 1.1.1:80
    [InlineData("1.2.3.4.5:80")]
    [InlineData("01.2.3.4:80")]
    [InlineData("2001:db8::1:8080")]          // IPv6 only in brackets
    [InlineData("ftp://192.0.2.1:21")]        // unknown scheme rejects the entry
    [InlineData("sock5://192.0.2.1:1080")]    // misspelled: no fallback to a null protocol
    [InlineData("x192.0.2.1:80")]
    [InlineData("192.0.2.1:80abc")]
    [InlineData("192.0.2.1:0")]
    [InlineData("192.0.2.1")]
    [InlineData("example.com:8080")]
    [InlineData("http://user:@192.0.2.1:80")]  // a username without a password is no credential pair
    public async Task InvalidTokens_YieldNothingAndRejectTheLine(string line)
    {
        var context = await ParseAsync(line + "\n");

        context.Proxies.ShouldBeEmpty();
        context.Rejected.ShouldBe(1);
    }

    [Fact]
    public async Task AnUnknownSchemeRejectsOnlyItsEntry()
    {
        var context = await ParseAsync("ftp://192.0.2.1:21 socks5://192.0.2.2:1080\n");

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.2", 1080, "socks5", null, null)]);
        context.Rejected.ShouldBe(0, "the line yielded a proxy");
    }

    [Fact]
    public async Task ColonFormCredentials_OnlyWhenFourFieldsAreTheWholeWord()
    {
        var context = await ParseAsync("192.0.2.1:80:u:p\n192.0.2.2:80:u\n192.0.2.3:80:u:p:x\n");

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.1", 80, null, "u", "p"),
            new ParsedProxy("192.0.2.2", 80, null, null, null),
            new ParsedProxy("192.0.2.3", 80, null, null, null),
        ]);
    }

    [Fact]
    public async Task DefaultProtocol_AppliesWhereNoneIsStated_AndTakesPartInDuplicates()
    {
        var context = await ParseAsync("192.0.2.1:80\nhttp://192.0.2.1:80\nsocks5://192.0.2.1:80\n", "HTTP");

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.1", 80, "http", null, null), new ParsedProxy("192.0.2.1", 80, "socks5", null, null)]);
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public async Task LargeList_StreamsWithoutHoldingTheDocument()
    {
        const int lines = 300_000;
        var path = Path.GetTempFileName();
        try
        {
            await using (var writer = new StreamWriter(path))
            {
                for (var i = 0; i < lines; i++)
                {
                    await writer.WriteLineAsync($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}:{1024 + (i % 60000)}");
                }
            }

            await using var file = File.OpenRead(path);
            var context = new ProxyParseContext();
            await new PlainTextProxyParser().ParseAsync(file, context);

            context.Proxies.Count.ShouldBe(lines);
            context.Rejected.ShouldBe(0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("[{\"ip\":\"1.2.3.4\"}]", null, false)]
    [InlineData("<html><table>", null, false)]
    [InlineData("1.2.3.4:80", "application/json", false)]
    [InlineData("1.2.3.4:80\n5.6.7.8:80", "text/plain", true)]
    [InlineData("# list\n1.2.3.4:80", null, true)]
    [InlineData("[2001:db8::1]:8080\n", null, true)]
    public void Supports_EverythingNotShapedOrDeclaredStructured(string head, string? contentType, bool expected) =>
        new PlainTextProxyParser().Supports(new ProxyDocumentProbe(Encoding.UTF8.GetBytes(head), contentType)).ShouldBe(expected);

    private static Task<ProxyParseContext> ParseAsync(string text, string? defaultProtocol = null) => ParserTestKit.ParseAsync(new PlainTextProxyParser(), text, defaultProtocol);
}
