using ProxyKit.Pool.Fetching;

namespace ProxyKit.Pool.Tests.Fetching;

public sealed class UrlRedactionTests
{
    [Theory]
    [InlineData("https://example.com/list.txt", "https://example.com/list.txt")]
    [InlineData("http://example.com:8080/a/b.txt", "http://example.com:8080/a/b.txt")]
    [InlineData("https://user:secret@example.com/list.txt", "https://example.com/list.txt")]
    [InlineData("https://example.com/api?token=secret&x=1", "https://example.com/api?…")]
    [InlineData("https://user:pw@example.com:444/p?token=secret#frag", "https://example.com:444/p?…")]
    [InlineData("https://example.com/p#fragment-secret", "https://example.com/p")]
    [InlineData("https://example.com/p?", "https://example.com/p")]
    [InlineData("http://[2001:db8::1]:8080/x", "http://[2001:db8::1]:8080/x")]
    [InlineData("https://example.com/a b\nc", "https://example.com/a%20b%0Ac")] // escaped: nothing can break a log line
    [InlineData("ftp://user:pw@example.com/list.txt?token=secret", "ftp://example.com/list.txt?…")] // ftp has no query component
    [InlineData("file:///srv/list.txt?token=secret", "file:///srv/list.txt?…")]
    public void ForDisplay_KeepsSchemeHostPortAndPathOnly(string url, string expected) =>
        UrlRedaction.ForDisplay(new Uri(url)).ShouldBe(expected);

    [Fact]
    public void ForDisplay_RelativeUrl_ShowsNothingOfIt() =>
        UrlRedaction.ForDisplay(new Uri("list.txt?token=secret", UriKind.Relative)).ShouldBe("(relative URL)");
}
