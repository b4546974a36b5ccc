using System.Net;
using System.Text;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Http;

/// <summary>Absolute-form requests forwarded to a real local origin server.</summary>
public sealed class HttpForwardTests
{
    [Fact]
    public async Task Get_AbsoluteForm_ForwardedInOriginFormWithHostRewritten()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/path?q=1&r=%20")} HTTP/1.1\r\nHost: wrong.example\r\nUser-Agent: test\r\n\r\n");

        response.StatusCode.ShouldBe(200);
        response.BodyText.ShouldBe("hello /path?q=1&r=%20");
        var seen = server.Requests.ShouldHaveSingleItem();
        seen.Head.StartLine.ShouldBe("GET /path?q=1&r=%20 HTTP/1.1");
        seen.Head.Headers.Where(h => h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)).ShouldHaveSingleItem().Value.ShouldBe(server.Authority);
        seen.Head.Get("User-Agent").ShouldBe("test");
    }

    [Fact]
    public async Task Get_IPv6LiteralTarget_Forwarded()
    {
        await using var server = TestHttpServer.Start(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start(o => o.Egress.Policy = ProxyKit.Relay.Egress.EgressAddressPolicy.IPv6Only);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET http://[::1]:{server.Port}/source HTTP/1.1\r\nHost: [::1]:{server.Port}\r\n\r\n");

        response.StatusCode.ShouldBe(200);
        response.BodyText.ShouldBe("::1");
        server.Requests.ShouldHaveSingleItem().Head.Get("Host").ShouldBe($"[::1]:{server.Port}");
    }

    [Fact]
    public async Task Get_HopByHopRequestHeaders_NotSeenByTarget()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync(
            $"GET {server.Url("/h")} HTTP/1.1\r\n" +
            $"Host: {server.Authority}\r\n" +
            "Connection: keep-alive, X-Private\r\n" +
            "X-Private: secret\r\n" +
            "Proxy-Connection: keep-alive, X-Proxy-Listed\r\n" +
            "X-Proxy-Listed: 1\r\n" +
            "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "TE: trailers\r\n" +
            "Upgrade: h2c\r\n" +
            "X-End-To-End: kept\r\n\r\n");

        response.StatusCode.ShouldBe(200);
        var head = server.Requests.ShouldHaveSingleItem().Head;
        foreach (var hop in new[] { "Connection", "X-Private", "Proxy-Connection", "X-Proxy-Listed", "Proxy-Authorization", "Keep-Alive", "TE", "Upgrade" })
        {
            head.Has(hop).ShouldBeFalse($"{hop} is hop-by-hop and must not reach the target; target saw:\n{head.Raw}");
        }

        head.Get("X-End-To-End").ShouldBe("kept");
    }

    [Fact]
    public async Task Get_HopByHopResponseHeaders_NotSeenByClient()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/hop")} HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(200);
        response.BodyText.ShouldBe("ok");
        response.Head.Has("X-Hop-Secret").ShouldBeFalse(response.Head.Raw);
        response.Head.Has("Keep-Alive").ShouldBeFalse(response.Head.Raw);
        response.Head.HasToken("Connection", "X-Hop-Secret").ShouldBeFalse(response.Head.Raw);
        response.Head.Get("X-End-To-End").ShouldBe("kept");
    }

    [Fact]
    public async Task KeepAlive_TwoRequestsSameTarget_ReuseOneUpstreamConnection()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var first = await client.SendAndReadAsync($"GET {server.Url("/one")} HTTP/1.1\r\nHost: {server.Authority}\r\n\r\n");
        var second = await client.SendAndReadAsync($"GET {server.Url("/two")} HTTP/1.1\r\nHost: {server.Authority}\r\n\r\n");

        first.BodyText.ShouldBe("hello /one");
        second.BodyText.ShouldBe("hello /two");
        first.Head.Has("Connection").ShouldBeFalse("the client connection stays open");
        server.ConnectionsAccepted.ShouldBe(1, "the second request reuses the upstream connection");
        second.Head.Get("X-Connection-Id").ShouldBe(first.Head.Get("X-Connection-Id"));
        relay.Stats.ConnectionsAccepted.ShouldBe(1);
    }

    [Fact]
    public async Task KeepAlive_SecondRequestToDifferentTarget_ServedOnSameClientConnection()
    {
        await using var one = TestHttpServer.Start(IPAddress.Loopback);
        await using var two = TestHttpServer.Start(IPAddress.IPv6Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var first = await client.SendAndReadAsync($"GET {one.Url("/a")} HTTP/1.1\r\n\r\n");
        var second = await client.SendAndReadAsync($"GET {two.Url("/b")} HTTP/1.1\r\n\r\n");
        var third = await client.SendAndReadAsync($"GET {one.Url("/c")} HTTP/1.1\r\n\r\n");

        first.BodyText.ShouldBe("hello /a");
        second.BodyText.ShouldBe("hello /b");
        third.BodyText.ShouldBe("hello /c");
        one.Requests.Select(r => r.Target).ShouldBe(["/a", "/c"]);
        two.Requests.ShouldHaveSingleItem().Target.ShouldBe("/b");
        relay.Stats.ConnectionsAccepted.ShouldBe(1, "all three went over one client connection");
    }

    [Fact]
    public async Task Get_ChunkedResponse_PassedThroughIntactAndConnectionReusable()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var chunked = await client.SendAndReadAsync($"GET {server.Url("/chunked")} HTTP/1.1\r\n\r\n");
        var after = await client.SendAndReadAsync($"GET {server.Url("/after")} HTTP/1.1\r\n\r\n");

        chunked.Head.Get("Transfer-Encoding").ShouldBe("chunked");
        Encoding.Latin1.GetString(chunked.RawBody).ShouldBe(TestHttpServer.ChunkedBody, "chunk sizes, extensions and trailers pass unchanged");
        chunked.BodyText.ShouldBe("hello, worldabcdefghijklmnopqrstuvwxyz");
        after.BodyText.ShouldBe("hello /after");
        server.ConnectionsAccepted.ShouldBe(1);
    }

    [Fact]
    public async Task Get_LargeContentLengthResponse_PassedIntact()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/big")} HTTP/1.1\r\n\r\n");

        response.Body.Length.ShouldBe(TestHttpServer.BigBodyLength);
        response.Body.AsSpan().SequenceEqual(TestHttpServer.BigBody()).ShouldBeTrue();
    }

    [Fact]
    public async Task Get_ResponseDelimitedByClose_PassedAndClientConnectionClosed()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/until-close")} HTTP/1.1\r\n\r\n");

        response.BodyText.ShouldBe("the body ends when the connection does");
        response.Head.HasToken("Connection", "close").ShouldBeTrue();
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task Get_ClientAsksToClose_ResponseThenClose()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/x")} HTTP/1.1\r\nConnection: close\r\n\r\n");

        response.BodyText.ShouldBe("hello /x");
        response.Head.HasToken("Connection", "close").ShouldBeTrue();
        (await client.ReadUntilClosedAsync()).ShouldBeEmpty();
        server.Requests.ShouldHaveSingleItem().Head.Has("Connection").ShouldBeFalse("Connection is hop-by-hop");
    }

    [Fact]
    public async Task Get_Http10Client_AnsweredThenClosed()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET {server.Url("/old")} HTTP/1.0\r\n\r\n");

        response.BodyText.ShouldBe("hello /old");
        (await client.ReadUntilClosedAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Head_NoBodyRead_ConnectionReusable()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        await client.SendAsync($"HEAD {server.Url("/big")} HTTP/1.1\r\n\r\n");
        var head = await client.ReadResponseAsync(isHead: true);
        var after = await client.SendAndReadAsync($"GET {server.Url("/after")} HTTP/1.1\r\n\r\n");

        head.StatusCode.ShouldBe(200);
        head.Head.Get("Content-Length").ShouldBe(TestHttpServer.BigBodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture));
        after.BodyText.ShouldBe("hello /after", "a HEAD response has no body, whatever its Content-Length says");
        server.ConnectionsAccepted.ShouldBe(1);
    }

    [Fact]
    public async Task Post_ContentLengthBody_DeliveredAndEchoed()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);
        var body = string.Concat(Enumerable.Repeat("0123456789", 5000));

        var response = await client.SendAndReadAsync($"POST {server.Url("/echo")} HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        var after = await client.SendAndReadAsync($"GET {server.Url("/after")} HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(200);
        response.BodyText.ShouldBe(body);
        server.Requests[0].Head.Get("Content-Length").ShouldBe(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        after.BodyText.ShouldBe("hello /after", "the body was consumed exactly, so the next request parses");
    }

    [Fact]
    public async Task Post_ChunkedBody_DeliveredIntact()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);
        const string chunked = "4\r\nWiki\r\n6;name=value\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Checksum: 1\r\n\r\n";

        var response = await client.SendAndReadAsync($"POST {server.Url("/echo")} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}");
        var after = await client.SendAndReadAsync($"GET {server.Url("/after")} HTTP/1.1\r\n\r\n");

        response.BodyText.ShouldBe("Wikipedia in \r\n\r\nchunks.");
        Encoding.Latin1.GetString(server.Requests[0].RawBody).ShouldBe(chunked, "the chunked framing reaches the target unchanged");
        after.BodyText.ShouldBe("hello /after");
        server.ConnectionsAccepted.ShouldBe(1);
    }

    [Fact]
    public async Task Post_BodyInSeveralWrites_Delivered()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        await client.SendAsync($"POST {server.Url("/echo")} HTTP/1.1\r\nContent-Length: 12\r\n\r\nhello");
        await Task.Delay(50);
        await client.SendAsync(" world");
        await Task.Delay(50);
        await client.SendAsync("!");
        var response = await client.ReadResponseAsync();

        response.BodyText.ShouldBe("hello world!");
    }

    [Fact]
    public async Task Post_ChunkedAndContentLength_ContentLengthNotForwardedOrRejected()
    {
        // RFC 9112 §6.3: with both, Transfer-Encoding wins, and an intermediary that forwards the message MUST first
        // remove Content-Length (or reject it): otherwise a downstream server that prefers Content-Length desynchronises.
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"POST {server.Url("/echo")} HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        if (response.StatusCode != 400)
        {
            server.Requests.ShouldHaveSingleItem().Head.Has("Content-Length").ShouldBeFalse("a chunked request must not be forwarded with a Content-Length as well");
        }
    }

    [Fact]
    public async Task Post_ConflictingContentLengths_Rejected400()
    {
        // RFC 9112 §6.3 (5): differing Content-Length values make the framing invalid; a server MUST answer 400.
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"POST {server.Url("/echo")} HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 11\r\n\r\nhello world");

        response.StatusCode.ShouldBe(400);
        server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Post_InvalidContentLength_Rejected400()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"POST {server.Url("/echo")} HTTP/1.1\r\nContent-Length: 5x\r\n\r\nhello");

        response.StatusCode.ShouldBe(400);
        server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task KeepAlive_ChunkSizeOverflowingLong_NextRequestNotAnsweredFromTheOldBody()
    {
        // An origin (or anything on its path) declares a chunk of 0x7fffffffffffffff bytes and follows it with what looks
        // like a last chunk plus a forged response. The first body can never be complete, so the relay must not reuse
        // that upstream connection (nor keep the client connection) and must never hand the forged bytes out as the
        // answer to the client's next request.
        await using var origin = TcpTestServer.Start(IPAddress.Loopback, async (s, ct) =>
        {
            await using var stream = new System.Net.Sockets.NetworkStream(s);
            var reader = new ByteReader(stream);
            var answers = 0;
            while (await reader.ReadHeadAsync(ct) is not null)
            {
                var text = answers++ == 0
                    ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nFORGED"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nREAL";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct);
            }
        });
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);
        await client.SendAsync($"GET http://{origin.EndPoint}/first HTTP/1.1\r\n\r\n");
        var first = Encoding.ASCII.GetString(await client.Socket.ReceiveForAsync(TimeSpan.FromMilliseconds(300)));
        first.ShouldStartWith("HTTP/1.1 200 OK");

        var second = string.Empty;
        try
        {
            await client.SendAsync($"GET http://{origin.EndPoint}/second HTTP/1.1\r\n\r\n");
            second = Encoding.ASCII.GetString(await client.Socket.ReceiveForAsync(TimeSpan.FromMilliseconds(700)));
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The relay closed the connection after the broken body: fine.
        }

        second.ShouldNotContain("FORGED", customMessage: $"first exchange: {first}");
    }

    [Fact]
    public async Task Get_DomainTarget_ResolvedThroughResolver()
    {
        await using var server = TestHttpServer.Start(IPAddress.Loopback);
        var dns = new StaticDnsResolver().Add("origin.test", IPAddress.Loopback);
        await using var relay = TestRelay.Start(dns: dns);
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET http://origin.test:{server.Port}/n HTTP/1.1\r\nHost: origin.test:{server.Port}\r\n\r\n");

        response.BodyText.ShouldBe("hello /n");
        server.Requests.ShouldHaveSingleItem().Head.Get("Host").ShouldBe($"origin.test:{server.Port}");
    }

    [Fact]
    public async Task Get_UpstreamSendsGarbage_502ProtocolError()
    {
        await using var garbage = TcpTestServer.Start(IPAddress.Loopback, async (s, ct) =>
        {
            var buffer = new byte[4096];
            await s.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, ct);
            await s.SendAllAsync("SSH-2.0-OpenSSH\r\n\r\n"u8.ToArray(), ct);
        });
        await using var relay = TestRelay.Start();
        using var client = await RawHttpClient.ConnectAsync(relay);

        var response = await client.SendAndReadAsync($"GET http://{garbage.EndPoint}/ HTTP/1.1\r\n\r\n");

        response.StatusCode.ShouldBe(502);
        response.Head.Get("Proxy-Status").ShouldBe("ProxyKit; error=http_protocol_error");
        await relay.WaitForFailureAsync(RelayFailureReason.UpstreamError);
    }
}
