using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

/// <summary>Structured sources that state a country hand it on (as an ISO code), without it touching a proxy's identity.</summary>
public sealed class SourceCountryTests
{
    [Fact]
    public async Task Csv_CountryColumn_IsKeptUpperCasedAndNamesAreIgnored()
    {
        var proxies = await ParseAsync("csv", "ip,port,country\n192.0.2.1,8080,us\n192.0.2.2,8080,Germany\n192.0.2.3,8080,\n");

        proxies.Select(p => p.Country).ShouldBe(["US", null, null]);
    }

    [Fact]
    public async Task Json_CountryCodeBeatsCountry_AndAnObjectDoesNotRejectTheRecord()
    {
        var proxies = await ParseAsync("json", """
            [{"ip":"192.0.2.1","port":80,"country":"Germany","country_code":"de"},
             {"ip":"192.0.2.2","port":80,"country":{"code":"FR","name":"France"}}]
            """);

        proxies.Select(p => (p.Ip, p.Country)).ShouldBe([("192.0.2.1", "DE"), ("192.0.2.2", (string?)null)]);
    }

    [Fact]
    public async Task Duplicates_DifferingOnlyByCountry_AreOneProxyAndTheFirstCountryStays()
    {
        var proxies = await ParseAsync("csv", "ip,port,country\n192.0.2.1,8080,US\n192.0.2.1,8080,NL\n");

        proxies.ShouldHaveSingleItem().Country.ShouldBe("US");
    }

    private static async Task<IReadOnlyList<ParsedProxy>> ParseAsync(string parser, string text)
    {
        var registry = new ProxyParserRegistry([new JsonProxyParser(), new CsvProxyParser(), new HtmlProxyParser(), new PlainTextProxyParser()]);
        var parsed = await registry.ParseAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), parser, "http");
        return parsed!.Value.Context.Proxies;
    }
}
