using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

public sealed class JsonProxyParserTests
{
    [Fact]
    public async Task ParseAsync_ProxyscrapeLikeObject_ReadsProxiesArrayKeepsDeadProxiesAndRejectsUnknownProtocol()
    {
        const string json = """
            {
              "shown_records": 4, "total_records": 4, "limit": 100, "skip": 0, "nextpage": false,
              "proxies": [
                { "alive": true, "alive_since": 1718000000.5, "anonymity": "elite", "average_timeout": 1.2,
                  "ip": "192.0.2.1", "port": 8080, "protocol": "http", "proxy": "http://192.0.2.1:8080", "ssl": false,
                  "ip_data": { "as": "AS64500 Example", "query": "198.51.100.9", "countryCode": "US" } },
                { "alive": false, "anonymity": "transparent", "ip": "192.0.2.2", "port": 1080, "protocol": "SOCKS5", "times_alive": 0 },
                { "alive": true, "ip": "192.0.2.3", "port": 3128, "protocol": "sock5" },
                { "alive": true, "ip": "192.0.2.4", "port": 4145, "protocol": "socks4" }
              ]
            }
            """;

        var context = await ParseAsync(json);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.1", 8080, "http", null, null),
            new ParsedProxy("192.0.2.2", 1080, "socks5", null, null),
            new ParsedProxy("192.0.2.4", 4145, "socks4", null, null),
        ]);
        context.Rejected.ShouldBe(1, "sock5 is an explicit, unknown protocol");
        context.Duplicates.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_GeonodeLikeData_YieldsOneProxyPerListedProtocol()
    {
        const string json = """
            {"data":[
              {"_id":"65f1","ip":"203.0.113.5","anonymityLevel":"elite","asn":"AS64501","city":"Berlin","port":"4145",
               "protocols":["socks4","socks5"],"upTime":99.5,"upTimeSuccessCount":200,"lastChecked":1718000000,"responseTime":120},
              {"_id":"65f2","ip":"203.0.113.6","port":"80","protocols":["HTTP"],"upTime":0,"isp":"Example 203.0.113.99:80"},
              {"_id":"65f3","ip":"203.0.113.7","port":"3128","protocols":["http","sock5"]},
              {"_id":"65f4","ip":"203.0.113.8","port":"8080","protocols":[]}
            ],"total":4,"page":1,"limit":500}
            """;

        var context = await ParseAsync(json);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("203.0.113.5", 4145, "socks4", null, null),
            new ParsedProxy("203.0.113.5", 4145, "socks5", null, null),
            new ParsedProxy("203.0.113.6", 80, "http", null, null),
            new ParsedProxy("203.0.113.8", 8080, null, null, null),
        ]);
        context.Rejected.ShouldBe(1, "one unknown protocol in the list rejects the whole record");
    }

    [Fact]
    public async Task ParseAsync_Fate0LikeJsonLines_NeverMinesExportAddressAndRejectsMalformedLines()
    {
        var lines = "{\"host\": \"198.51.100.7\", \"port\": 3128, \"type\": \"http\", \"export_address\": [\"203.0.113.200\"], \"anonymity\": \"high_anonymous\", \"country\": \"US\", \"response_time\": 1.21, \"from\": \"proxylist\"}\r\n"
            + "{\"host\": \"198.51.100.8\", \"port\": 8443, \"type\": \"https\", \"export_address\": \"203.0.113.201:8080\", \"anonymity\": \"transparent\", \"country\": \"DE\", \"response_time\": 9.5, \"from\": \"txt\"}\n"
            + "\n"
            + "{\"host\": \"198.51.100.9\", \"port\": 80, \"type\": \"http\", \"export_address\": [\"203.0.113.202:80\"], \"anonymity\": \"anonymous\"\r\n"
            + "   \r\n"
            + "{\"host\": \"not-an-ip\", \"port\": 80, \"type\": \"http\", \"export_address\": [\"203.0.113.203:80\"]}\n"
            + "{\"host\": \"198.51.100.10\", \"port\": 1080, \"type\": \"socks5h\", \"from\": \"198.51.100.11:1080\"}\n"
            + "{\"host\": \"198.51.100.7\", \"port\": 3128, \"type\": \"http\", \"export_address\": [\"203.0.113.200\"]}\n"
            + "{\"host\": \"198.51.100.12\", \"port\": 80} trailing junk\n"
            + "{\"host\": \"198.51.100.13\", \"port\": 81}";

        var context = await ParseAsync(lines);

        context.Proxies.Select(p => p with { Country = null }).ShouldBe( // countries: SourceCountryTests
        [
            new ParsedProxy("198.51.100.7", 3128, "http", null, null),
            new ParsedProxy("198.51.100.8", 8443, "https", null, null),
            new ParsedProxy("198.51.100.10", 1080, "socks5", null, null),
            new ParsedProxy("198.51.100.13", 81, null, null, null),
        ]);
        context.Proxies.ShouldAllBe(p => !p.Ip.StartsWith("203.0.113.", StringComparison.Ordinal) && p.Ip != "198.51.100.11");
        context.Rejected.ShouldBe(3, "the unterminated line, the host name and the line with trailing junk");
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public async Task ParseAsync_JsonLinesWhoseFirstLineIsMalformed_StillReadsLineByLine()
    {
        var lines = "{\"ip\": \"192.0.2.1\", \"port\": }\n{\"ip\": \"192.0.2.2\", \"port\": 80}\n\"socks5://192.0.2.3:1080\"\n";

        var context = await ParseAsync(lines);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.2", 80, null, null, null),
            new ParsedProxy("192.0.2.3", 1080, "socks5", null, null),
        ]);
        context.Rejected.ShouldBe(1);
    }

    [Fact]
    public async Task ParseAsync_ProtocolKeyedObject_AppliesKeyProtocolNormalisesIPv6AndIgnoresMetadata()
    {
        const string json = """
            {
              "updated": "2024-06-10T12:00:00Z",
              "count": 6,
              "source": "198.51.100.1:80",
              "HTTP": ["192.0.2.10:80", "192.0.2.11:8080", "not a proxy"],
              "socks5h": ["[2001:DB8:0:0:0:0:0:1]:1080", "socks4://192.0.2.12:1080"],
              "socks4a": ["192.0.2.13:4145"],
              "mirrors": ["198.51.100.2:80"]
            }
            """;

        var context = await ParseAsync(json);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.10", 80, "http", null, null),
            new ParsedProxy("192.0.2.11", 8080, "http", null, null),
            new ParsedProxy("2001:db8::1", 1080, "socks5", null, null),
            new ParsedProxy("192.0.2.12", 1080, "socks4", null, null),
            new ParsedProxy("192.0.2.13", 4145, "socks4", null, null),
        ]);
        context.Rejected.ShouldBe(1, "only the protocol arrays' elements are records; other members are metadata");
    }

    [Fact]
    public async Task ParseAsync_ArrayOfStrings_FollowsPlainTextTokenRules()
    {
        const string json = """
            [
              "192.0.2.1:80",
              "socks5://us%40er:p%3Ass@192.0.2.2:1080",
              "192.0.2.3:3128:Alice:S3cret",
              "SOCKS5H://192.0.2.4:1080",
              "socks4a://192.0.2.5:1080",
              "bob:pw@192.0.2.6:8000",
              "[2001:db8:0:0:0:0:0:2]:8080",
              "sock5://192.0.2.7:1080",
              "ftp://192.0.2.8:21",
              "2001:db8::1:8080",
              "192.0.2.32:70000",
              "999.1.1.1:80",
              "proxy.example.com:8080",
              42,
              null,
              ["192.0.2.9:80"]
            ]
            """;

        var context = await ParseAsync(json);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.1", 80, null, null, null),
            new ParsedProxy("192.0.2.2", 1080, "socks5", "us@er", "p:ss"),
            new ParsedProxy("192.0.2.3", 3128, null, "Alice", "S3cret"),
            new ParsedProxy("192.0.2.4", 1080, "socks5", null, null),
            new ParsedProxy("192.0.2.5", 1080, "socks4", null, null),
            new ParsedProxy("192.0.2.6", 8000, null, "bob", "pw"),
            new ParsedProxy("2001:db8::2", 8080, null, null, null),
        ]);
        context.Rejected.ShouldBe(9);
    }

    [Fact]
    public async Task ParseAsync_ObjectFields_CredentialsPortsListsAndPriorities()
    {
        const string json = """
            [
              {"IP": "192.0.2.1", "Port": "8080", "Protocols": "SOCKS4, SOCKS5", "Username": "Alice", "Password": "S3cret"},
              {"host": "192.0.2.2", "port": 80, "type": "elite", "protocol": "https"},
              {"host": "192.0.2.3", "port": 80, "type": "elite"},
              {"ip": "192.0.2.4", "port": 80.5},
              {"ip": "192.0.2.5", "port": 0},
              {"ip": "192.0.2.6", "port": true},
              {"ip": "192.0.2.7"},
              {"ip": "192.0.2.8:3128", "protocol": null, "alive": false, "status": "dead"},
              {"proxy": "socks5://u:p@192.0.2.9:1080", "country": "NL"},
              {"ip": "2001:DB8::A", "port": 8080, "login": "bob", "pass": "x"},
              {"ip": {"v4": "192.0.2.10"}, "port": 80},
              {"address": "192.0.2.11:80"},
              {"ip": "192.0.2.12", "port": 80, "protocol": ""}
            ]
            """;

        var context = await ParseAsync(json, defaultProtocol: "http");

        context.Proxies.Select(p => p with { Country = null }).ShouldBe( // countries: SourceCountryTests
        [
            new ParsedProxy("192.0.2.1", 8080, "socks4", "Alice", "S3cret"),
            new ParsedProxy("192.0.2.1", 8080, "socks5", "Alice", "S3cret"),
            new ParsedProxy("192.0.2.2", 80, "https", null, null),
            new ParsedProxy("192.0.2.8", 3128, "http", null, null),
            new ParsedProxy("192.0.2.9", 1080, "socks5", "u", "p"),
            new ParsedProxy("2001:db8::a", 8080, "http", "bob", "x"),
            new ParsedProxy("192.0.2.12", 80, "http", null, null),
        ]);
        context.Rejected.ShouldBe(7, "type 'elite', ports 80.5, 0 and true, no port, an object for an IP, and 'address' (metadata in JSON)");
    }

    [Fact]
    public async Task ParseAsync_Duplicates_CountOnlyExactRepeats()
    {
        const string json = """
            [
              {"ip": "192.0.2.1", "port": 80, "protocol": "http"},
              {"ip": "192.0.2.1", "port": "80", "protocol": "HTTP"},
              {"ip": "192.0.2.1", "port": 80, "protocol": "socks5"},
              {"ip": "192.0.2.1", "port": 80, "protocol": "http", "username": "a", "password": "b"},
              {"ip": "192.0.2.1", "port": 80, "protocol": "http", "username": "A", "password": "b"},
              "http://192.0.2.1:80",
              {"ip": "192.0.2.1", "port": 80, "protocols": ["socks5h", "http"]}
            ]
            """;

        var context = await ParseAsync(json);

        context.Proxies.Count.ShouldBe(4);
        context.Duplicates.ShouldBe(4);
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_BomAndCrlfPrettyPrinted_Parses()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\r\n  \"data\": [\r\n    {\"ip\": \"192.0.2.1\", \"port\": 80},\r\n    \"192.0.2.2:81\"\r\n  ]\r\n}\r\n")).ToArray();

        var context = await ParseAsync(bytes);

        context.Proxies.Select(p => p.Port).ShouldBe([80, 81]);
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_TruncatedDocument_KeepsEarlierRecordsAndRejectsOne()
    {
        var context = await ParseAsync("[{\"ip\": \"192.0.2.1\", \"port\": 80}, {\"ip\": \"192.0.2.2\", \"po");

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.1", 80, null, null, null)]);
        context.Rejected.ShouldBe(1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \r\n")]
    [InlineData("[]")]
    [InlineData("{\"data\": []}")]
    public async Task ParseAsync_EmptyDocument_FindsNothing(string json)
    {
        var context = await ParseAsync(json);

        context.Proxies.ShouldBeEmpty();
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_SingleObjectWithoutProxies_IsOneRejectedRecord()
    {
        var context = await ParseAsync("{\"error\": \"rate limited\", \"retry_after\": 60}");

        context.Proxies.ShouldBeEmpty();
        context.Rejected.ShouldBe(1);
    }

    [Fact]
    public async Task ParseAsync_UnreadableStream_Throws()
    {
        var parser = new JsonProxyParser();

        await Should.ThrowAsync<IOException>(async () => await parser.ParseAsync(new ParserTestKit.BrokenStream(), new ProxyParseContext()));
    }

    [Theory]
    [InlineData("[{\"ip\":\"192.0.2.1\"}]", null, null, true)]
    [InlineData("\uFEFF  {\"data\": []}", null, null, true)]
    [InlineData("[ \"192.0.2.1:80\" ]", null, null, true)]
    [InlineData("{}", null, null, true)]
    [InlineData("[2001:db8::1]:8080\n", null, null, false)]
    [InlineData("192.0.2.1:80", null, null, false)]
    [InlineData("192.0.2.1:80", "application/json; charset=utf-8", null, true)]
    [InlineData("192.0.2.1:80", "application/x-ndjson", null, true)]
    [InlineData("192.0.2.1:80", null, "https://example.com/proxies.jsonl?key=1", true)]
    [InlineData("<html><table>", "text/html", null, false)]
    public void Supports_SniffsJson(string head, string? contentType, string? fileName, bool expected) =>
        new JsonProxyParser().Supports(new ProxyDocumentProbe(Encoding.UTF8.GetBytes(head), contentType, fileName)).ShouldBe(expected);

    [Theory]
    [InlineData("[{\"ip\": \"192.0.2.1\", \"port\": 80}]", "json")]
    [InlineData("{\"host\": \"192.0.2.1\", \"port\": 80}\n{\"host\": \"192.0.2.2\", \"port\": 80}\n", "json")]
    [InlineData("IP;Port;Type\r\n192.0.2.1;80;HTTP\r\n", "csv")]
    [InlineData("<html><body><table><tr><th>IP</th><th>Port</th></tr><tr><td>192.0.2.1</td><td>80</td></tr></table></body></html>", "html")]
    [InlineData("192.0.2.1:80\n", "plaintext")]
    public async Task Registry_DetectsEachFormatAndParsesThroughTheSniffedHead(string document, string expected)
    {
        var registry = new ProxyParserRegistry([new JsonProxyParser(), new CsvProxyParser(), new HtmlProxyParser(), new PlainTextProxyParser()]);

        var result = await registry.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(document)), parserName: null, defaultProtocol: "socks5");

        result.ShouldNotBeNull();
        result.Value.Parser.Name.ShouldBe(expected);
        result.Value.Context.Proxies.ShouldContain(p => p.Ip == "192.0.2.1" && p.Port == 80);
        result.Value.Context.Rejected.ShouldBe(0);
    }

    [Fact]
    public void Name_IsJson() => new JsonProxyParser().Name.ShouldBe("json");

    [Fact]
    public Task ParseAsync_TruncatedAndCorruptedDocuments_NeverThrow() =>
        ParserTestKit.ParsesCorruptedDocumentsWithoutThrowingAsync(new JsonProxyParser(), "[{\"ip\": \"192.0.2.1\", \"port\": 80, \"protocols\": [\"socks4\", \"socks5\"], \"meta\": {\"a\": [1, 2, {\"b\": null}]}}, \"socks5://u:p@[2001:db8::1]:1080\", {\"http\": [\"192.0.2.2:80\"]}]\n{\"host\": \"192.0.2.3\", \"port\": \"81\"}\n");

    private static Task<ProxyParseContext> ParseAsync(string json, string? defaultProtocol = null) => ParserTestKit.ParseAsync(new JsonProxyParser(), json, defaultProtocol);

    private static Task<ProxyParseContext> ParseAsync(byte[] json, string? defaultProtocol = null) => ParserTestKit.ParseAsync(new JsonProxyParser(), json, defaultProtocol);
}
