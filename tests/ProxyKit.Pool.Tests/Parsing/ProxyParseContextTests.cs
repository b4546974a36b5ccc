using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

/// <summary>
/// The context keeps compact keys, not records: these pin down that it still behaves as a set of <see cref="ParsedProxy"/>
/// records, whichever way a proxy arrives (a built-in parser's token or a plug-in's record).
/// </summary>
public sealed class ProxyParseContextTests
{
    [Theory]
    [InlineData("192.0.2.1:80", "192.0.2.1", 80, null)]
    [InlineData("[2001:DB8:0::1]:8080", "2001:db8::1", 8080, null)]
    [InlineData("[::ffff:192.0.2.1]:8080", "::ffff:192.0.2.1", 8080, null)]
    [InlineData("socks5h://0.0.0.0:1", "0.0.0.0", 1, "socks5")]
    [InlineData("https://255.255.255.255:65535", "255.255.255.255", 65535, "https")]
    public void Add_ParsedTokenThenTheSameRecord_IsADuplicate(string line, string ip, int port, string? protocol)
    {
        var context = new ProxyParseContext();

        PlainTextProxyParser.ParseLine(line, context);
        context.Add(new ParsedProxy(ip, port, protocol, null, null));

        context.Proxies.ShouldBe([new ParsedProxy(ip, port, protocol, null, null)]);
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public void Add_RecordThenTheSameParsedTokenWithCredentials_IsADuplicate()
    {
        var context = new ProxyParseContext("socks5");

        context.Add(new ParsedProxy("192.0.2.1", 1080, null, "al:ce", "p@ss"));
        PlainTextProxyParser.ParseLine("socks5://al%3Ace:p%40ss@192.0.2.1:1080", context);

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.1", 1080, "socks5", "al:ce", "p@ss")]);
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public void Add_TextThatIsNotCanonical_IsAnotherProxy()
    {
        // A plug-in's non-canonical text is its own string, as it was when the context held records.
        var context = new ProxyParseContext();

        PlainTextProxyParser.ParseLine("[2001:db8::1]:80 192.0.2.1:80", context);
        context.Add(new ParsedProxy("2001:DB8::1", 80, null, null, null));
        context.Add(new ParsedProxy("[2001:db8::1]", 80, null, null, null));
        context.Add(new ParsedProxy("192.0.2.01", 80, null, null, null));
        context.Add(new ParsedProxy("proxy.example", 80, null, null, null));
        context.Add(new ParsedProxy("proxy.example", 80, null, null, null));

        context.Proxies.Select(p => p.Ip).ShouldBe(["2001:db8::1", "192.0.2.1", "2001:DB8::1", "[2001:db8::1]", "192.0.2.01", "proxy.example"]);
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public void Add_AnyFieldDiffers_IsAnotherProxy()
    {
        var context = new ProxyParseContext();
        ParsedProxy[] proxies =
        [
            new("192.0.2.1", 80, null, null, null),
            new("192.0.2.1", 81, null, null, null),
            new("192.0.2.1", 70_000, null, null, null), // out of range from a plug-in: kept whole, not truncated to 4464
            new("192.0.2.1", 4464, null, null, null),
            new("192.0.2.1", -1, null, null, null),
            new("192.0.2.1", 80, "http", null, null),
            new("192.0.2.1", 80, "HTTP", null, null),
            new("192.0.2.1", 80, "ftp", null, null),
            new("192.0.2.1", 80, null, "u", "p"),
            new("192.0.2.1", 80, null, "p", "u"),
            new("192.0.2.1", 80, null, "u", null),
            new("192.0.2.1", 80, null, null, "u"),
            new("192.0.2.1", 80, null, string.Empty, string.Empty),
            new("0.0.0.0", 80, null, null, null),
            new("::", 80, null, null, null),
            new("::c000:201", 80, null, null, null), // ::192.0.2.1 as IPv6: not the IPv4 address
        ];

        foreach (var proxy in proxies)
        {
            context.Add(proxy);
        }

        foreach (var proxy in proxies)
        {
            context.Add(proxy with { });
        }

        context.Proxies.ShouldBe(proxies);
        context.Duplicates.ShouldBe(proxies.Length);
    }

    [Fact]
    public void Add_KeepsTheCallersRecord_AndDefaultProtocolMakesACopy()
    {
        var context = new ProxyParseContext("http");
        var stated = new ParsedProxy("192.0.2.1", 80, "socks4", "u", "p");
        var unstated = new ParsedProxy("192.0.2.2", 80, null, null, null);

        context.Add(stated);
        context.Add(unstated);
        context.Add(unstated with { Protocol = "http" });

        context.Proxies[0].ShouldBeSameAs(stated);
        context.Proxies[1].ShouldBe(unstated with { Protocol = "http" });
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public void Proxies_ParsedRecords_AreMadeOnceAndCanBeReadWhileParsing()
    {
        var context = new ProxyParseContext();
        var proxies = context.Proxies;

        PlainTextProxyParser.ParseLine("socks5://user:pw@192.0.2.1:1080", context);
        var first = proxies[0];
        PlainTextProxyParser.ParseLine("192.0.2.2:80:user:pw", context);

        proxies.Count.ShouldBe(2);
        proxies[0].ShouldBeSameAs(first);
        proxies.ShouldBe([new ParsedProxy("192.0.2.1", 1080, "socks5", "user", "pw"), new ParsedProxy("192.0.2.2", 80, null, "user", "pw")]);
        proxies[1].Username.ShouldBeSameAs(first.Username, "a repeated credential is one string");
        Should.Throw<ArgumentOutOfRangeException>(() => proxies[2]);
        Should.Throw<ArgumentOutOfRangeException>(() => proxies[-1]);
    }

    [Fact]
    public void Add_LongEscapedCredentials_AreDecoded()
    {
        var user = new string('ü', 200);
        var context = new ProxyParseContext();

        PlainTextProxyParser.ParseLine($"http://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString("p w%")}@192.0.2.1:80", context);
        PlainTextProxyParser.ParseLine($"http://{user}:p%20w%25@192.0.2.1:80", context);

        context.Proxies.ShouldBe([new ParsedProxy("192.0.2.1", 80, "http", user, "p w%")]);
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public async Task Proxies_ReadFromSeveralThreadsAfterParsing_AllEqual()
    {
        var context = new ProxyParseContext();
        for (var i = 0; i < 20_000; i++)
        {
            PlainTextProxyParser.ParseLine($"10.0.{i >> 8}.{i & 255}:80", context);
        }

        var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => context.Proxies.ToList())));

        foreach (var read in reads)
        {
            read.Count.ShouldBe(20_000);
            read.ShouldBe(reads[0]);
        }

        context.Proxies[19_999].ShouldBe(new ParsedProxy("10.0.78.31", 80, null, null, null));
    }
}
