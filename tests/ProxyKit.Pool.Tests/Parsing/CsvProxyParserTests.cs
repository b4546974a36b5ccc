using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

public sealed class CsvProxyParserTests
{
    [Fact]
    public async Task ParseAsync_SemicolonWithBomCrlfAndQuotes_MapsColumnsByName()
    {
        var csv = "\uFEFF\"IP Address\";\"Port\";\"Protocols\";\"Country\";\"Last seen from\";\"Alive\"\r\n"
            + "192.0.2.1;8080;\"HTTP, HTTPS\";US;\"203.0.113.9:3128; via probe\";true\r\n"
            + "\r\n"
            + "192.0.2.2;1080;socks5h;\"Germany; Berlin\";203.0.113.10:80;false\r\n"
            + "  192.0.2.3 ; 4145 ; SOCKS4A ; NL ; ; false\n"
            + "192.0.2.4;3128;sock5;FR;;true\r\n"
            + "192.0.2.5;;http;FR;;true\r\n"
            + ";;;;;\r\n"
            + "192.0.2.1;8080;http;US;;true\r\n";

        var context = await ParseAsync(csv);

        context.Proxies.Select(p => p with { Country = null }).ShouldBe( // countries: SourceCountryTests
        [
            new ParsedProxy("192.0.2.1", 8080, "http", null, null),
            new ParsedProxy("192.0.2.1", 8080, "https", null, null),
            new ParsedProxy("192.0.2.2", 1080, "socks5", null, null),
            new ParsedProxy("192.0.2.3", 4145, "socks4", null, null),
        ]);
        context.Proxies.ShouldAllBe(p => !p.Ip.StartsWith("203.0.113.", StringComparison.Ordinal), "metadata columns are never mined");
        context.Rejected.ShouldBe(3, "sock5, a missing port and an empty row; the blank line is ignored");
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public async Task ParseAsync_Tsv_ReadsCredentialsVerbatimAndIPv6()
    {
        var tsv = "host\tport\ttype\tuser\tpass\tanonymity\n"
            + "192.0.2.10\t3128\thttp\tAlice\tS3cret\telite\n"
            + "192.0.2.10\t3128\thttp\talice\tS3cret\telite\n"
            + "2001:DB8:0:0:0:0:0:1\t1080\tsocks5\t\t\tanonymous\n"
            + "[2001:db8::2]\t8080\t\t\t\ttransparent\n"
            + "2001:db8::3:8080\t\thttp\t\t\t\n";

        var context = await ParseAsync(tsv, defaultProtocol: "socks4");

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.10", 3128, "http", "Alice", "S3cret"),
            new ParsedProxy("192.0.2.10", 3128, "http", "alice", "S3cret"),
            new ParsedProxy("2001:db8::1", 1080, "socks5", null, null),
            new ParsedProxy("2001:db8::2", 8080, "socks4", null, null),
        ]);
        context.Rejected.ShouldBe(1, "unbracketed IPv6 with a port is not an address");
    }

    [Fact]
    public async Task ParseAsync_QuotedFields_EmbeddedDelimitersNewlinesAndDoubledQuotes()
    {
        var csv = "ip,port,protocol,username,password,notes\n"
            + "192.0.2.20,1080,socks5,bob,\"pa\"\"ss,word\",\"line one\nline two, with 203.0.113.1:80\"\n"
            + "\"192.0.2.21\",\"8080\",\"http\",\"\",\"\",\"multi\r\nline\"\n"
            + "192.0.2.22,80,http,,,\"unterminated\n";

        var context = await ParseAsync(csv);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.20", 1080, "socks5", "bob", "pa\"ss,word"),
            new ParsedProxy("192.0.2.21", 8080, "http", null, null),
            new ParsedProxy("192.0.2.22", 80, "http", null, null),
        ]);
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_CombinedProxyColumn_ParsesTokensAndRejectsUnknownSchemes()
    {
        var csv = "proxy,country,checked\n"
            + "socks5://u%40x:p@192.0.2.30:1080,DE,2024-06-01\n"
            + "192.0.2.31:80,FR,2024-06-01\n"
            + "192.0.2.32:8000:carol:Secret,FR,2024-06-01\n"
            + "sock5://192.0.2.33:1080,XX,2024-06-01\n"
            + "ftp://192.0.2.34:21,XX,2024-06-01\n"
            + "Sponsored: best proxies at example.com,,\n";

        var context = await ParseAsync(csv);

        context.Proxies.Select(p => p with { Country = null }).ShouldBe( // countries: SourceCountryTests
        [
            new ParsedProxy("192.0.2.30", 1080, "socks5", "u@x", "p"),
            new ParsedProxy("192.0.2.31", 80, null, null, null),
            new ParsedProxy("192.0.2.32", 8000, null, "carol", "Secret"),
        ]);
        context.Rejected.ShouldBe(3);
    }

    [Fact]
    public async Task ParseAsync_AddressColumnHoldingOnlyTheIp_UsesThePortColumn()
    {
        var context = await ParseAsync("address,port\n192.0.2.40,8080\n192.0.2.41:81,\n");

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.40", 8080, null, null, null),
            new ParsedProxy("192.0.2.41", 81, null, null, null),
        ]);
    }

    [Fact]
    public async Task ParseAsync_HeaderWithoutAddressColumns_RejectsEveryRow()
    {
        var context = await ParseAsync("country,count\nUS,10\nDE,20\n\n");

        context.Proxies.ShouldBeEmpty();
        context.Rejected.ShouldBe(2);
    }

    [Fact]
    public async Task ParseAsync_OverlongRecord_IsOneRejectedRowAndReadingGoesOn()
    {
        var csv = "ip,port,notes\n192.0.2.1,80," + new string(',', 300_000) + "\n192.0.2.2,81,ok\n";

        var context = await ParseAsync(csv);

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.2", 81, null, null, null)]);
        context.Rejected.ShouldBe(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n\r\n")]
    [InlineData("ip,port\r\n")]
    public async Task ParseAsync_NoDataRows_FindsNothing(string csv)
    {
        var context = await ParseAsync(csv);

        context.Proxies.ShouldBeEmpty();
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_UnreadableStream_Throws() =>
        await Should.ThrowAsync<IOException>(async () => await new CsvProxyParser().ParseAsync(new ParserTestKit.BrokenStream(), new ProxyParseContext()));

    [Theory]
    [InlineData("ip,port,protocol\n192.0.2.1,80,http", null, null, true)]
    [InlineData("\"IP Address\";\"Port\"\r\n", null, null, true)]
    [InlineData("Host\tPort\tType\n", null, null, true)]
    [InlineData("192.0.2.1:80\n", null, null, false)]
    [InlineData("ip:port\n192.0.2.1:80\n", null, null, false)]
    [InlineData("x", "text/csv", null, true)]
    [InlineData("x", null, "list.tsv", true)]
    [InlineData("[{\"ip\":1,\"port\":2}]", null, null, false)]
    public void Supports_SniffsHeader(string head, string? contentType, string? fileName, bool expected) =>
        new CsvProxyParser().Supports(new ProxyDocumentProbe(Encoding.UTF8.GetBytes(head), contentType, fileName)).ShouldBe(expected);

    [Fact]
    public void Name_IsCsv() => new CsvProxyParser().Name.ShouldBe("csv");

    [Fact]
    public Task ParseAsync_TruncatedAndCorruptedDocuments_NeverThrow() =>
        ParserTestKit.ParsesCorruptedDocumentsWithoutThrowingAsync(new CsvProxyParser(), "ip;port;protocol;user;pass\r\n192.0.2.1;80;\"http, https\";\"a\"\"b\";\"c;d\"\r\n\"192.0.2.2\";81;socks5;;\n");

    private static Task<ProxyParseContext> ParseAsync(string csv, string? defaultProtocol = null) => ParserTestKit.ParseAsync(new CsvProxyParser(), csv, defaultProtocol);
}
