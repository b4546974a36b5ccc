using System.Text;
using ProxyKit.Relay.Http;

namespace ProxyKit.Relay.Tests.Http;

/// <summary>Seeded random and mutated heads through FindEnd, ParseRequest and ParseResponse: never a throw, and consistent results.</summary>
public sealed class HttpMessageHeadFuzzTests
{
    private static readonly string[] Seeds =
    [
        "GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive\r\n\r\n",
        "CONNECT a.test:443 HTTP/1.1\r\nProxy-Authorization: Basic YTpi\r\n\r\n",
        "POST http://[2001:db8::1]:8080/p?q HTTP/1.0\nContent-Length: 3\n\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n",
    ];

    [Fact]
    public void AllFunctions_RandomNoise_NeverThrowAndStayConsistent()
    {
        var random = new Random(12345);
        var alphabet = "GETPOSTCONNECTHTTP/1.01 :\r\n\t-abc[]%\0\u00ff"u8.ToArray();
        for (var i = 0; i < 1500; i++)
        {
            var data = new byte[random.Next(0, 200)];
            if (random.Next(2) == 0)
            {
                random.NextBytes(data);
            }
            else
            {
                for (var j = 0; j < data.Length; j++)
                {
                    data[j] = alphabet[random.Next(alphabet.Length)];
                }
            }

            Check(data);
        }
    }

    [Fact]
    public void AllFunctions_MutatedValidHeads_NeverThrowAndStayConsistent()
    {
        var random = new Random(12345);
        for (var i = 0; i < 1500; i++)
        {
            var seed = Encoding.Latin1.GetBytes(Seeds[random.Next(Seeds.Length)]);
            Check(Socks5.Socks5ProtocolFuzzTests.Mutate(seed, random));
        }
    }

    private static void Check(byte[] data)
    {
        var context = Convert.ToHexString(data);
        var end = HttpMessageHead.FindEnd(data);
        if (end < 0)
        {
            end.ShouldBe(-1, context);
        }
        else
        {
            end.ShouldBeInRange(2, data.Length, context);
            HttpMessageHead.FindEnd(data.AsSpan(0, end)).ShouldBe(end, context);
            HttpMessageHead.FindEnd(data.AsSpan(0, end - 1)).ShouldBe(-1, $"{context}: nothing ends earlier");
        }

        var head = end > 0 ? data.AsSpan(0, end) : data;
        if (HttpMessageHead.ParseRequest(head) is { } request)
        {
            request.First.ShouldNotBeEmpty(context);
            request.Second.ShouldNotBeEmpty(context);
            request.Third.ShouldBeOneOf("HTTP/1.1", "HTTP/1.0");
            request.Headers.Count.ShouldBeLessThanOrEqualTo(128, context);
            request.Headers.ShouldAllBe(h => h.Key.Length > 0 && !h.Key.Contains(' ') && !h.Value.Contains('\r') && !h.Value.Contains('\0'));

            // What the relay would send upstream must parse back to the same headers.
            var serialized = request.Serialize($"{request.First} / HTTP/1.1", static _ => false);
            var reparsed = HttpMessageHead.ParseRequest(serialized);
            reparsed.ShouldNotBeNull(context);
            reparsed.Headers.ShouldBe(request.Headers, context);
        }

        if (HttpMessageHead.ParseResponse(head) is { } response)
        {
            response.StatusCode.ShouldBeInRange(0, 999, context);
            response.First.ShouldStartWith("HTTP/1.");
        }
    }
}
