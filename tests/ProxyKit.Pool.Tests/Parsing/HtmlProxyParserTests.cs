using System.Text;
using ProxyKit.Pool.Parsing;

namespace ProxyKit.Pool.Tests.Parsing;

public sealed class HtmlProxyParserTests
{
    private const string FreeProxyListLike = """
        <!DOCTYPE html>
        <html lang="en"><head><title>Free Proxy List 192.0.2.250:80</title>
        <style>td > .ip { color: red } /* <table><tr><td>198.51.100.1</td></tr></table> */</style>
        <script>var proxies = "<td>198.51.100.2</td><td>80</td>"; if (a < b && c > d) {}</script>
        </head><body>
        <table class="nav"><tr><td><a href="/">Home</a></td><td>203.0.113.50:8080 (our server)</td></tr></table>
        <div class="table-responsive fpl-list">
        <table class="table table-striped table-bordered" id="list">
          <thead><tr><th>IP Address</th><th>Port</th><th>Code</th><th class='hm'>Country</th><th>Anonymity</th><th class='hm'>Google</th><th class='hx'>Https</th><th class='hm'>Last Checked</th></tr></thead>
          <tbody>
            <tr><td>192.0.2.1</td><td>8080</td><td>US</td><td class='hm'>United States</td><td>elite proxy</td><td class='hm'>no</td><td class='hx'>yes</td><td class='hm'>10 secs ago</td></tr>
            <tr><td> 192.0.2.2&nbsp;</td><td>&#51;128</td><td>DE</td><td class='hm'>Germany</td><td>anonymous</td><td class='hm'>no</td><td class='hx'>no</td><td class='hm'>1 min ago</td></tr>
            <tr><td colspan="8"><ins class="adsbygoogle" data-ad-client="ca-pub-1">Advertisement</ins><script>(adsbygoogle = window.adsbygoogle || []).push({});</script></td></tr>
            <!-- <tr><td>198.51.100.3</td><td>80</td></tr> -->
            <tr><td>192.0.2.3</td><td>99999</td><td>FR</td><td>France</td><td>transparent</td><td>no</td><td>no</td><td>2 mins ago</td></tr>
            <tr><td>192.0.2.1</td><td>8080</td><td>US</td><td>United States</td><td>elite proxy</td><td>no</td><td>yes</td><td>3 mins ago</td></tr>
          </tbody>
          <tfoot><tr><th>IP Address</th><th>Port</th><th>Code</th><th>Country</th><th>Anonymity</th><th>Google</th><th>Https</th><th>Last Checked</th></tr></tfoot>
        </table></div>
        </body></html>
        """;

    [Fact]
    public async Task ParseAsync_FreeProxyListLikeTable_ReadsBodyRowsRejectsAdRowAndNeverReadsHttpsColumnAsProtocol()
    {
        var context = await ParseAsync(FreeProxyListLike);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.1", 8080, null, null, null),
            new ParsedProxy("192.0.2.2", 3128, null, null, null),
        ]);
        context.Rejected.ShouldBe(2, "the ad row spanning the columns and port 99999");
        context.Duplicates.ShouldBe(1);
    }

    [Fact]
    public async Task ParseAsync_DefaultProtocol_AppliesWhereTheTableStatesNone()
    {
        var context = await ParseAsync(FreeProxyListLike, defaultProtocol: "http");

        context.Proxies.ShouldAllBe(p => p.Protocol == "http");
    }

    [Fact]
    public async Task ParseAsync_SpysLikeNestedLayoutWithFirstRowHeader_ReadsProtocolsAndIgnoresLayoutTables()
    {
        const string html = """
            <HTML><BODY>
            <TABLE width="100%"><TR><TD>Proxy search: <a href="x?ip=198.51.100.9:80">198.51.100.9:80</a></TD></TR>
            <TR><TD>
              <TABLE width='1000' cellpadding="2">
                <TR class="spy1x"><TD><font class="spy1">IP address</font></TD><TD>Port</TD><TD>Proxy type</TD><TD title="a>b">Anonymity*</TD><TD>Country (city)</TD></TR>
                <TR class="spy1xx" onmouseover="this.style.background='#002424'"><TD><font class=spy14>192.0.2.10<script type="text/javascript">document.write("<font class=spy2>:<\/font>")</script></font></TD><TD>8080</TD><TD><font class="spy1">HTTP</font>, <font>HTTPS</font></TD><TD>HIA</TD><TD>US (Ashburn)</TD></TR>
                <TR class="spy1x"><TD>192.0.2.11</TD><TD>1080</TD><TD>SOCKS5</TD><TD>NOA</TD><TD>DE</TD></TR>
                <TR class="spy1xx"><TD>192.0.2.12</TD><TD>4145</TD><TD>socks4a</TD><TD>ANM</TD><TD>NL</TD></TR>
                <TR class="spy1x"><TD>192.0.2.13</TD><TD>1080</TD><TD>SOCK5</TD><TD>NOA</TD><TD>FR</TD></TR>
                <TR class="spy1xx"><TD>[2001:DB8:0:0:0:0:0:7]</TD><TD>8080</TD><TD>HTTP</TD><TD>NOA</TD><TD>JP</TD></TR>
                <TR><TD colspan=5><TABLE><TR><TD>Sponsored</TD><TD>198.51.100.10:3128</TD></TR></TABLE></TD></TR>
                <TR class="spy1x"><TD>192.0.2.11</TD><TD>1080</TD><TD>HTTP</TD><TD>NOA</TD><TD>DE</TD></TR>
              </TABLE>
            </TD></TR></TABLE>
            </BODY></HTML>
            """;

        var context = await ParseAsync(html);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.10", 8080, "http", null, null),
            new ParsedProxy("192.0.2.10", 8080, "https", null, null),
            new ParsedProxy("192.0.2.11", 1080, "socks5", null, null),
            new ParsedProxy("192.0.2.12", 4145, "socks4", null, null),
            new ParsedProxy("2001:db8::7", 8080, "http", null, null),
            new ParsedProxy("192.0.2.11", 1080, "http", null, null),
        ]);
        context.Rejected.ShouldBe(2, "SOCK5 is an unknown protocol, and the sponsored row holds no address in the IP column");
        context.Duplicates.ShouldBe(0, "the same ip:port under another protocol is distinct");
    }

    [Fact]
    public async Task ParseAsync_CredentialColumnsAndCombinedColumn_AreMapped()
    {
        const string html = """
            <table>
              <tr><th>Proxy</th><th>Username</th><th>Password</th><th>Status</th></tr>
              <tr><td>socks5h://192.0.2.20:1080</td><td>Alice</td><td>p&amp;ss&lt;1&gt;</td><td>dead</td></tr>
              <tr><td>192.0.2.21:3128</td><td></td><td></td><td>alive</td></tr>
              <tr><td>https://[2001:db8::9]:443</td><td>bob</td><td>x</td><td>alive</td></tr>
              <tr><th colspan="4">Page 2</th></tr>
              <tr><td>ftp://192.0.2.22:21</td><td></td><td></td><td>alive</td></tr>
            </table>
            """;

        var context = await ParseAsync(html);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.20", 1080, "socks5", "Alice", "p&ss<1>"),
            new ParsedProxy("192.0.2.21", 3128, null, null, null),
            new ParsedProxy("2001:db8::9", 443, "https", "bob", "x"),
        ]);
        context.Rejected.ShouldBe(1, "the ftp row; the th-only row is not a record");
    }

    [Fact]
    public async Task ParseAsync_TablesWithoutIpAndPortHeaders_AreNotRecords()
    {
        const string html = """
            <table><tr><th>Country</th><th>Proxies</th></tr><tr><td>US</td><td>192.0.2.30:80</td></tr></table>
            <table><tr><td>Menu</td><td>About</td></tr><tr><td>192.0.2.31</td><td>80</td></tr></table>
            """;

        var context = await ParseAsync(html);

        context.Proxies.ShouldBeEmpty();
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_ImplicitlyClosedCellsAndRowsWithBomAndCrlf_Parse()
    {
        var html = "\uFEFF<table>\r\n<thead><tr><th>IP<th>PORT<th>TYPE</thead>\r\n<tr><td>192.0.2.40<td>80<td>HTTP\r\n<tr><td>192.0.2.41<br><td>81<td>\r\n</table>";

        var context = await ParseAsync(html);

        context.Proxies.ShouldBe(
        [
            new ParsedProxy("192.0.2.40", 80, "http", null, null),
            new ParsedProxy("192.0.2.41", 81, null, null, null),
        ]);
        context.Rejected.ShouldBe(0);
    }

    [Fact]
    public async Task ParseAsync_UnreadableStream_Throws() =>
        await Should.ThrowAsync<IOException>(async () => await new HtmlProxyParser().ParseAsync(new ParserTestKit.BrokenStream(), new ProxyParseContext()));

    [Theory]
    [InlineData("<!DOCTYPE html><html>", null, null, true)]
    [InlineData("<div><TABLE>", null, null, true)]
    [InlineData("anything", "text/html; charset=utf-8", null, true)]
    [InlineData("anything", null, "list.htm", true)]
    [InlineData("192.0.2.1:80\n", null, null, false)]
    [InlineData("[\"192.0.2.1:80\"]", "application/json", null, false)]
    public void Supports_SniffsHtml(string head, string? contentType, string? fileName, bool expected) =>
        new HtmlProxyParser().Supports(new ProxyDocumentProbe(Encoding.UTF8.GetBytes(head), contentType, fileName)).ShouldBe(expected);

    [Fact]
    public void Name_IsHtml() => new HtmlProxyParser().Name.ShouldBe("html");

    [Fact]
    public Task ParseAsync_TruncatedAndCorruptedDocuments_NeverThrow() =>
        ParserTestKit.ParsesCorruptedDocumentsWithoutThrowingAsync(new HtmlProxyParser(), FreeProxyListLike);

    private static Task<ProxyParseContext> ParseAsync(string html, string? defaultProtocol = null) => ParserTestKit.ParseAsync(new HtmlProxyParser(), html, defaultProtocol);
}
