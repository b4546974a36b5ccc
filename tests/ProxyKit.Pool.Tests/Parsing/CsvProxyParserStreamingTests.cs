using System.Globalization;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

[Collection(JsonCsvLargeDocuments.Name)]
public sealed class CsvProxyParserStreamingTests
{
    private const int Records = 52_000;
    private const int Unique = 5_000;

    [Fact]
    public async Task ParseAsync_50MegabyteCsv_StreamsWithBoundedMemory()
    {
        var notes = "\"" + string.Concat(Enumerable.Repeat("seen at 203.0.113.7:3128; \"\"ok\"\", ", 29)) + "\"";
        var context = new ProxyParseContext();
        using var document = new GeneratedDocumentStream(
            "\uFEFFip;port;protocol;alive;notes\r\n",
            i => string.Create(CultureInfo.InvariantCulture, $"10.{i % Unique / 250}.{i % Unique % 250}.1;8080;socks5;false;{notes}\r\n"),
            Records,
            "\r\n",
            context);

        await new CsvProxyParser().ParseAsync(document, context);

        document.Length.ShouldBeGreaterThan(50L * 1024 * 1024);
        context.Proxies.Count.ShouldBe(Unique);
        context.Proxies.ShouldAllBe(p => p.Protocol == "socks5" && p.Port == 8080);
        context.Duplicates.ShouldBe(Records - Unique);
        context.Rejected.ShouldBe(0);
        document.AssertStreamed();
    }
}
