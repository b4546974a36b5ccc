using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProxyKit.Pool.Fetching;
using ProxyKit.Testing;

namespace ProxyKit.Pool.Tests.Fetching;

/// <summary>The fetcher as DI builds it, against real loopback sockets (<see cref="LoopbackHttpServer"/>).</summary>
public sealed class SourceFetcherTests
{
    private const int MiB = 1024 * 1024;

    // ---- bodies, encodings, metadata ----

    [Fact]
    public async Task FetchAsync_OkTextBody_ReturnsBodyAndMetadata()
    {
        await using var server = LoopbackHttpServer.Always(200, "1.2.3.4:80\n5.6.7.8:3128\n", "text/plain; charset=utf-8");
        using var provider = Provider();
        var url = server.Url("/lists/http.txt");

        await using var document = await Fetcher(provider).FetchAsync(url, Timeout());

        (await ReadTextAsync(document)).ShouldBe("1.2.3.4:80\n5.6.7.8:3128\n");
        document.ContentType.ShouldBe("text/plain");
        document.FileName.ShouldBe("http.txt");
        document.FinalUri.ShouldBe(url);
        var request = server.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("GET");
        request.Headers["User-Agent"].ShouldBe(SourceFetchOptions.DefaultUserAgent);
        SourceFetchOptions.DefaultUserAgent.ShouldStartWith("ProxyKit/0.");
    }

    [Fact]
    public async Task FetchAsync_BodyStillArriving_ReturnsBeforeItEndsAndStreamsIt()
    {
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            await exchange.WriteHeadAsync(200, ("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"));
            await exchange.WriteChunkAsync("1.2.3.4:80\n"u8.ToArray());
            await rest.Task.WaitAsync(exchange.Stopping);
            await exchange.WriteChunkAsync("5.6.7.8:81\n"u8.ToArray());
            await exchange.EndChunksAsync();
        });
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(server.Url(), Timeout());
        using var reader = new StreamReader(document.Content, Encoding.UTF8);
        (await reader.ReadLineAsync(Timeout())).ShouldBe("1.2.3.4:80");
        rest.Task.IsCompleted.ShouldBeFalse("the first line was read before the server sent the rest");
        rest.SetResult();

        (await reader.ReadToEndAsync(Timeout())).ShouldBe("5.6.7.8:81\n");
    }

    [Theory]
    [InlineData("iso-8859-1")]
    [InlineData("ISO-8859-1")]
    [InlineData("\"latin1\"")]
    public async Task FetchAsync_Latin1Charset_TranscodesToUtf8(string charset)
    {
        const string Text = "# Proxys für Köln — naïve\n1.2.3.4:8080\n";
        var latin1 = Encoding.Latin1.GetBytes(Text.Replace('—', '-'));
        await using var server = Serve(200, latin1, ("Content-Type", $"text/plain; charset={charset}"));
        using var provider = Provider();

        var bytes = await FetchBytesAsync(provider, server.Url());

        bytes.ShouldBe(Encoding.UTF8.GetBytes(Text.Replace('—', '-')));
    }

    [Fact]
    public async Task FetchAsync_Utf16CharsetWithBom_TranscodesToUtf8WithUtf8Bom()
    {
        const string Text = "ip,port\n1.2.3.4,8080\nПрокси,1\n";
        await using var server = Serve(200, [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Text)], ("Content-Type", "text/csv; charset=utf-16"));
        using var provider = Provider();

        var bytes = await FetchBytesAsync(provider, server.Url());

        bytes.ShouldBe(WithUtf8Bom(Text));
    }

    [Fact]
    public async Task FetchAsync_Utf16LeCharsetWithoutBom_TranscodesToUtf8()
    {
        const string Text = "1.2.3.4:8080\n";
        await using var server = Serve(200, Encoding.Unicode.GetBytes(Text), ("Content-Type", "text/plain; charset=UTF-16LE"));
        using var provider = Provider();

        (await FetchBytesAsync(provider, server.Url())).ShouldBe(Encoding.UTF8.GetBytes(Text));
    }

    [Fact]
    public async Task FetchAsync_Utf16BigEndianBomWithoutCharset_TranscodesToUtf8()
    {
        const string Text = "1.2.3.4:8080\n";
        await using var server = Serve(200, [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(Text)], ("Content-Type", "text/plain"));
        using var provider = Provider();

        (await FetchBytesAsync(provider, server.Url())).ShouldBe(WithUtf8Bom(Text));
    }

    [Fact]
    public async Task FetchAsync_Windows1251Charset_TranscodesToUtf8WithCodePages()
    {
        const string Text = "# Бесплатные прокси\n1.2.3.4:8080\n";
        var cp1251 = CodePagesEncodingProvider.Instance.GetEncoding(1251).ShouldNotBeNull();
        await using var server = Serve(200, cp1251.GetBytes(Text), ("Content-Type", "text/plain; charset=windows-1251"));
        using var provider = Provider();

        (await FetchBytesAsync(provider, server.Url())).ShouldBe(Encoding.UTF8.GetBytes(Text));
    }

    [Fact]
    public async Task FetchAsync_UnknownCharset_PassesBytesThroughAsUtf8()
    {
        const string Text = "1.2.3.4:8080 ü\n";
        await using var server = Serve(200, Encoding.UTF8.GetBytes(Text), ("Content-Type", "text/plain; charset=x-made-up"));
        using var provider = Provider();

        (await FetchBytesAsync(provider, server.Url())).ShouldBe(Encoding.UTF8.GetBytes(Text));
    }

    [Fact]
    public async Task FetchAsync_GzipResponse_IsDecompressed()
    {
        var text = string.Concat(Enumerable.Range(0, 2000).Select(i => $"10.0.{i / 250}.{i % 250}:8080\n"));
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text));
        }

        await using var server = Serve(200, compressed.ToArray(), ("Content-Type", "text/plain"), ("Content-Encoding", "gzip"));
        using var provider = Provider();

        var bytes = await FetchBytesAsync(provider, server.Url());

        Encoding.UTF8.GetString(bytes).ShouldBe(text);
        server.Requests.ShouldHaveSingleItem().Headers["Accept-Encoding"].ShouldContain("gzip");
        compressed.Length.ShouldBeLessThan(bytes.Length / 4, "the body really was compressed on the wire");
    }

    [Fact]
    public async Task FetchAsync_ContentDisposition_GivesTheFileName()
    {
        await using var server = Serve(200, "ip,port\n"u8.ToArray(), ("Content-Type", "application/octet-stream"), ("Content-Disposition", "attachment; filename=\"proxies.csv\""));
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(server.Url("/download.php?id=7"), Timeout());

        document.FileName.ShouldBe("proxies.csv");
        document.ContentType.ShouldBe("application/octet-stream");
    }

    [Fact]
    public async Task FetchAsync_ContentDispositionExtendedFileName_IsDecodedAndStrippedOfPaths()
    {
        await using var server = Serve(200, "x"u8.ToArray(), ("Content-Disposition", "attachment; filename*=UTF-8''..%2F..%2Fsocks%205.txt"));
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(server.Url("/dl"), Timeout());

        document.FileName.ShouldBe("socks 5.txt");
    }

    [Theory]
    [InlineData("/lists/socks5.txt?key=1", "socks5.txt")]
    [InlineData("/free%20proxies.json", "free proxies.json")]
    [InlineData("/", null)]
    [InlineData("/lists/", null)]
    public async Task FetchAsync_NoContentDisposition_FileNameFromThePath(string pathAndQuery, string? expected)
    {
        await using var server = LoopbackHttpServer.Always(200, "x");
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(server.Url(pathAndQuery), Timeout());

        document.FileName.ShouldBe(expected);
    }

    [Fact]
    public async Task FetchAsync_Redirect_IsFollowedAndFinalUriAndFileNameAreTheTarget()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.Request.Target == "/old"
            ? exchange.RespondAsync(302, [], ("Location", "/new/list.txt"))
            : exchange.RespondAsync(200, "1.2.3.4:80\n"u8.ToArray()));
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(server.Url("/old"), Timeout());

        document.FinalUri.ShouldBe(server.Url("/new/list.txt"));
        document.FileName.ShouldBe("list.txt");
        server.Requests.Select(r => r.Target).ShouldBe(new[] { "/old", "/new/list.txt" });
    }

    [Fact]
    public async Task FetchAsync_UserInfo_IsSentAsBasicCredentials()
    {
        await using var server = LoopbackHttpServer.Always(200, "x");
        using var provider = Provider();
        var url = new Uri($"http://alice:p%40ss@127.0.0.1:{server.Port}/list.txt");

        await using var document = await Fetcher(provider).FetchAsync(url, Timeout());

        var request = server.Requests.ShouldHaveSingleItem();
        request.Headers["Authorization"].ShouldBe("Basic " + Convert.ToBase64String("alice:p@ss"u8.ToArray()));
        request.Headers["Host"].ShouldBe($"127.0.0.1:{server.Port}");
    }

    [Fact]
    public async Task FetchAsync_UserInfoAndRedirect_CredentialsAreNotForwarded()
    {
        await using var target = LoopbackHttpServer.Always(200, "x");
        await using var redirecting = LoopbackHttpServer.Start(exchange => exchange.RespondAsync(302, [], ("Location", target.Url("/list.txt").ToString())));
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(new Uri($"http://alice:secret@127.0.0.1:{redirecting.Port}/"), Timeout());

        redirecting.Requests.ShouldHaveSingleItem().Headers.ContainsKey("Authorization").ShouldBeTrue();
        target.Requests.ShouldHaveSingleItem().Headers.ContainsKey("Authorization").ShouldBeFalse("credentials must not follow a redirect");
        document.FinalUri.ShouldBe(target.Url("/list.txt"));
    }

    // ---- size cap ----

    [Fact]
    public async Task FetchAsync_ContentLengthOverTheCap_IsRefusedWithoutReadingTheBody()
    {
        const long Declared = 64L * MiB;
        var serverDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            try
            {
                await exchange.WriteHeadAsync(200, ("Content-Type", "text/plain"), ("Content-Length", Declared.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                var block = new byte[64 * 1024];
                for (long sent = 0; sent < Declared; sent += block.Length)
                {
                    await exchange.WriteBodyAsync(block);
                }
            }
            finally
            {
                serverDone.SetResult();
            }
        });
        using var provider = Provider(o => o.MaxResponseBytes = MiB);

        var error = await FetchFailsAsync(provider, server.Url());

        error.Kind.ShouldBe(SourceFetchFailure.TooLarge);
        error.IsTransient.ShouldBeFalse();
        error.Message.ShouldContain("ProxyKit:Pool:Fetch:MaxResponseBytes");
        await serverDone.Task.WaitAsync(TimeSpan.FromSeconds(5));
        server.BodyBytesSent.ShouldBeLessThan(Declared / 2, "the client hung up instead of taking the body");
        server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task FetchAsync_ChunkedBodyOverTheCap_IsStoppedWhileStreaming()
    {
        const long Offered = 64L * MiB;
        var serverDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            try
            {
                await exchange.WriteHeadAsync(200, ("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked"));
                var block = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("192.0.2.1:8080\n", 4096)));
                for (long sent = 0; sent < Offered; sent += block.Length)
                {
                    await exchange.WriteChunkAsync(block);
                }

                await exchange.EndChunksAsync();
            }
            finally
            {
                serverDone.SetResult();
            }
        });
        using var provider = Provider(o => o.MaxResponseBytes = MiB);

        await using var document = await Fetcher(provider).FetchAsync(server.Url(), Timeout());
        var buffer = new byte[16 * 1024];
        long received = 0;
        var error = await Should.ThrowAsync<SourceFetchException>(async () =>
        {
            int read;
            while ((read = await document.Content.ReadAsync(buffer, Timeout())) > 0)
            {
                received += read;
            }
        });

        error.Kind.ShouldBe(SourceFetchFailure.TooLarge);
        received.ShouldBeLessThanOrEqualTo(MiB);
        received.ShouldBeGreaterThan(MiB - buffer.Length);
        (await Should.ThrowAsync<SourceFetchException>(() => document.Content.ReadAsync(buffer, Timeout()).AsTask())).Kind.ShouldBe(SourceFetchFailure.TooLarge);
        await serverDone.Task.WaitAsync(TimeSpan.FromSeconds(5));
        server.BodyBytesSent.ShouldBeLessThan(Offered / 2, "the client hung up instead of taking the body");
    }

    // ---- retries and timeouts ----

    [Fact]
    public async Task FetchAsync_ServiceUnavailableThenOk_RetriesOnceAndSucceeds()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.Request.Number == 1
            ? exchange.RespondAsync(503, "busy"u8.ToArray())
            : exchange.RespondAsync(200, "1.2.3.4:80\n"u8.ToArray()));
        var logs = new CapturingLoggerProvider();
        using var provider = Provider(logs: logs);

        (await FetchBytesAsync(provider, server.Url("/list.txt"))).ShouldBe("1.2.3.4:80\n"u8.ToArray());

        server.RequestCount.ShouldBe(2);
        var retry = logs.Entries.Where(e => e.EventId.Id == 6002).ShouldHaveSingleItem();
        retry.Level.ShouldBe(LogLevel.Warning);
        retry.Message.ShouldContain("HTTP 503");
        retry.Message.ShouldContain("/list.txt");
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task FetchAsync_TransientStatusEveryTime_RetriesMaxRetriesTimesThenFails(int status)
    {
        await using var server = LoopbackHttpServer.Always(status, "no");
        using var provider = Provider(o => o.MaxRetries = 2);

        var error = await FetchFailsAsync(provider, server.Url());

        error.Kind.ShouldBe(SourceFetchFailure.HttpStatus);
        error.StatusCode.ShouldBe(status);
        error.IsTransient.ShouldBeTrue();
        server.RequestCount.ShouldBe(3);
    }

    [Fact]
    public async Task FetchAsync_NotFound_IsNotRetried()
    {
        await using var server = LoopbackHttpServer.Always(404, "gone");
        using var provider = Provider(o => o.MaxRetries = 3);

        var error = await FetchFailsAsync(provider, server.Url("/list.txt"));

        error.Kind.ShouldBe(SourceFetchFailure.HttpStatus);
        error.StatusCode.ShouldBe(404);
        error.IsTransient.ShouldBeFalse();
        error.Message.ShouldContain("404");
        server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task FetchAsync_RetryAfter_IsHonouredUpToTheCap()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.Request.Number == 1
            ? exchange.RespondAsync(503, [], ("Retry-After", "3600"))
            : exchange.RespondAsync(200, "ok"u8.ToArray()));
        using var provider = Provider(o =>
        {
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(400);
        });

        (await FetchBytesAsync(provider, server.Url())).ShouldBe("ok"u8.ToArray());

        var gap = Stopwatch.GetElapsedTime(server.Requests[0].ReceivedAt, server.Requests[1].ReceivedAt);
        gap.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(380), "Retry-After replaced the 1 ms back-off");
        gap.ShouldBeLessThan(TimeSpan.FromSeconds(3), "Retry-After: 3600 was capped at MaxRetryDelay");
    }

    [Fact]
    public async Task FetchAsync_ServerNeverAnswers_RetriedMaxRetriesTimesThenTimeout()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.HangAsync());
        using var provider = Provider(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.MaxRetries = 2;
        });
        var clock = Stopwatch.StartNew();

        var error = await FetchFailsAsync(provider, server.Url());

        error.Kind.ShouldBe(SourceFetchFailure.Timeout);
        error.IsTransient.ShouldBeTrue();
        error.Message.ShouldContain("ProxyKit:Pool:Fetch:AttemptTimeout");
        server.RequestCount.ShouldBe(3);
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(580));
    }

    [Fact]
    public async Task FetchAsync_AttemptsOutlastTotalTimeout_TimeoutNamingTotalTimeout()
    {
        await using var server = LoopbackHttpServer.Start(exchange => exchange.HangAsync());
        using var provider = Provider(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.TotalTimeout = TimeSpan.FromMilliseconds(500);
            o.MaxRetries = 5;
        });

        var error = await FetchFailsAsync(provider, server.Url());

        error.Kind.ShouldBe(SourceFetchFailure.Timeout);
        error.Message.ShouldContain("ProxyKit:Pool:Fetch:TotalTimeout");
        server.RequestCount.ShouldBeInRange(1, 3, "6 attempts of 200 ms do not fit in 500 ms");
    }

    [Fact]
    public async Task FetchAsync_BodyDripsPastTotalTimeout_TimeoutWhileReading()
    {
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            await exchange.WriteHeadAsync(200, ("Content-Type", "text/plain"), ("Content-Length", "1000"));
            for (var i = 0; i < 1000; i++)
            {
                await exchange.WriteBodyAsync("1"u8.ToArray());
                await Task.Delay(50, exchange.Stopping);
            }
        });
        using var provider = Provider(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.TotalTimeout = TimeSpan.FromMilliseconds(600);
        });
        var clock = Stopwatch.StartNew();

        await using var document = await Fetcher(provider).FetchAsync(server.Url(), Timeout());
        var error = await Should.ThrowAsync<SourceFetchException>(() => document.Content.CopyToAsync(Stream.Null, Timeout()));

        error.Kind.ShouldBe(SourceFetchFailure.Timeout);
        error.Message.ShouldContain("ProxyKit:Pool:Fetch:TotalTimeout");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task FetchAsync_ConnectionClosedWithoutAResponse_RetriedThenNetwork()
    {
        await using var server = LoopbackHttpServer.Start(exchange =>
        {
            exchange.Abort();
            return Task.CompletedTask;
        });
        using var provider = Provider(o => o.MaxRetries = 2);

        var error = await FetchFailsAsync(provider, server.Url());

        error.Kind.ShouldBe(SourceFetchFailure.Network);
        error.IsTransient.ShouldBeTrue();
        server.RequestCount.ShouldBe(3);
    }

    [Fact]
    public async Task FetchAsync_NothingListening_Network()
    {
        using var provider = Provider(o => o.MaxRetries = 0);

        var error = await FetchFailsAsync(provider, new Uri($"http://127.0.0.1:{TestNetwork.UnusedLoopbackPort()}/"));

        error.Kind.ShouldBe(SourceFetchFailure.Network);
        error.Message.ShouldContain("connection failed");
    }

    [Fact]
    public async Task FetchAsync_ConnectionDroppedMidBody_NetworkWhileReading()
    {
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            await exchange.WriteHeadAsync(200, ("Content-Type", "text/plain"), ("Content-Length", "1000"));
            await exchange.WriteBodyAsync("1.2.3.4:80\n"u8.ToArray());
            await Task.Delay(100, exchange.Stopping);
            exchange.Abort();
        });
        using var provider = Provider();

        await using var document = await Fetcher(provider).FetchAsync(server.Url(), Timeout());
        var error = await Should.ThrowAsync<SourceFetchException>(() => document.Content.CopyToAsync(Stream.Null, Timeout()));

        error.Kind.ShouldBe(SourceFetchFailure.Network);
        error.IsTransient.ShouldBeTrue();
        server.RequestCount.ShouldBe(1);
    }

    // ---- circuit breaker ----

    [Fact]
    public async Task FetchAsync_RepeatedFailures_OpenTheCircuitOfThatHostAndPortOnly_UntilBreakDurationPasses()
    {
        var recovered = false;
        await using var failing = LoopbackHttpServer.Start(exchange => Volatile.Read(ref recovered)
            ? exchange.RespondAsync(200, "ok"u8.ToArray())
            : exchange.RespondAsync(503, []));
        await using var healthy = LoopbackHttpServer.Always(200, "fine");
        var time = new ManualTimeProvider();
        var logs = new CapturingLoggerProvider();
        using var provider = Provider(
            o =>
            {
                o.MaxRetries = 0;
                o.BreakerMinimumThroughput = 2;
                o.BreakerFailureRatio = 0.5;
                o.BreakDuration = TimeSpan.FromSeconds(30);
            },
            time,
            logs);

        (await FetchFailsAsync(provider, failing.Url())).StatusCode.ShouldBe(503);
        (await FetchFailsAsync(provider, failing.Url())).StatusCode.ShouldBe(503);
        var open = await FetchFailsAsync(provider, failing.Url("/other/path.txt"));

        open.Kind.ShouldBe(SourceFetchFailure.CircuitOpen);
        open.IsTransient.ShouldBeTrue();
        failing.RequestCount.ShouldBe(2);
        failing.ConnectionCount.ShouldBe(2);
        logs.Entries.ShouldContain(e => e.EventId.Id == 6003 && e.Message.Contains($"http://127.0.0.1:{failing.Port}"));
        (await FetchBytesAsync(provider, healthy.Url())).ShouldBe("fine"u8.ToArray());

        Volatile.Write(ref recovered, true);
        time.Advance(TimeSpan.FromSeconds(31));

        (await FetchBytesAsync(provider, failing.Url())).ShouldBe("ok"u8.ToArray());
        failing.RequestCount.ShouldBe(3);
        logs.Entries.ShouldContain(e => e.EventId.Id == 6005);
    }

    [Fact]
    public async Task FetchAsync_NotFoundRepeatedly_DoesNotOpenTheCircuit()
    {
        await using var server = LoopbackHttpServer.Always(404);
        using var provider = Provider(o =>
        {
            o.MaxRetries = 0;
            o.BreakerMinimumThroughput = 2;
        });

        for (var i = 0; i < 4; i++)
        {
            (await FetchFailsAsync(provider, server.Url())).Kind.ShouldBe(SourceFetchFailure.HttpStatus);
        }

        server.RequestCount.ShouldBe(4);
    }

    // ---- SSRF guard and URL checks ----

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::1]")]
    public async Task FetchAsync_LoopbackWhenPrivateAddressesAreNotAllowed_RefusedWithoutConnecting(string host)
    {
        await using var server = LoopbackHttpServer.Always(200, "secret internal data");
        var logs = new CapturingLoggerProvider();
        using var provider = Provider(o => o.AllowPrivateAddresses = false, logs: logs);

        var error = await FetchFailsAsync(provider, new Uri($"http://{host}:{server.Port}/"));

        error.Kind.ShouldBe(SourceFetchFailure.Refused);
        error.IsTransient.ShouldBeFalse();
        error.Message.ShouldContain("ProxyKit:Pool:Fetch:AllowPrivateAddresses");
        server.ConnectionCount.ShouldBe(0);
        logs.Entries.Count(e => e.EventId.Id == 6006).ShouldBe(1, "refused once, not retried");
        logs.Entries.ShouldNotContain(e => e.EventId.Id == 6002);
    }

    [Theory]
    [InlineData("ftp://example.com/list.txt")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.com/")]
    public async Task FetchAsync_NonHttpScheme_InvalidUrl(string url)
    {
        using var provider = Provider();

        var error = await FetchFailsAsync(provider, new Uri(url));

        error.Kind.ShouldBe(SourceFetchFailure.InvalidUrl);
        error.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task FetchAsync_RelativeUrl_InvalidUrl()
    {
        using var provider = Provider();

        (await FetchFailsAsync(provider, new Uri("/list.txt", UriKind.Relative))).Kind.ShouldBe(SourceFetchFailure.InvalidUrl);
    }

    [Fact]
    public async Task FetchAsync_UrlWithSecrets_NeitherErrorsNorLogsContainThem()
    {
        await using var dropping = LoopbackHttpServer.Start(exchange =>
        {
            if (exchange.Request.Number == 1)
            {
                return exchange.RespondAsync(503, []);
            }

            exchange.Abort();
            return Task.CompletedTask;
        });
        await using var missing = LoopbackHttpServer.Always(404);
        var logs = new CapturingLoggerProvider();
        using var provider = Provider(o => o.MaxRetries = 1, logs: logs);

        var network = await FetchFailsAsync(provider, new Uri($"http://user:hunter2@127.0.0.1:{dropping.Port}/api/list.txt?token=s3cr3t&format=txt#frag"));
        var status = await FetchFailsAsync(provider, new Uri($"http://user:hunter2@127.0.0.1:{missing.Port}/api/list.txt?token=s3cr3t"));
        var invalid = await FetchFailsAsync(provider, new Uri("ftp://user:hunter2@example.com/list.txt?token=s3cr3t"));

        network.Kind.ShouldBe(SourceFetchFailure.Network);
        network.Message.ShouldContain($"http://127.0.0.1:{dropping.Port}/api/list.txt?…");
        status.Kind.ShouldBe(SourceFetchFailure.HttpStatus);
        status.Message.ShouldContain($"http://127.0.0.1:{missing.Port}/api/list.txt?…");
        invalid.Kind.ShouldBe(SourceFetchFailure.InvalidUrl);
        dropping.Requests[0].Target.ShouldBe("/api/list.txt?token=s3cr3t&format=txt", "the source itself still gets the query");
        logs.Entries.ShouldContain(e => e.EventId.Id == 6002 && e.Message.Contains("/api/list.txt?…"));
        foreach (var text in new[] { network.ToString(), status.ToString(), invalid.ToString(), logs.AllText })
        {
            text.ShouldNotContain("hunter2");
            text.ShouldNotContain("s3cr3t");
            text.ShouldNotContain("user:");
            text.ShouldNotContain("format=txt");
        }
    }

    // ---- cancellation ----

    [Fact]
    public async Task FetchAsync_CallerCancelsWhileWaitingForHeaders_OperationCanceledNotRetried()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = LoopbackHttpServer.Start(exchange =>
        {
            arrived.TrySetResult();
            return exchange.HangAsync();
        });
        using var provider = Provider(o => o.MaxRetries = 2);
        using var cancel = new CancellationTokenSource();

        var fetch = CaughtAsync(() => Fetcher(provider).FetchAsync(server.Url(), cancel.Token));
        await arrived.Task.WaitAsync(Timeout());
        await cancel.CancelAsync();
        var error = await fetch;

        error.ShouldBeAssignableTo<OperationCanceledException>();
        await Task.Delay(200); // retries would come after 10-50 ms
        server.RequestCount.ShouldBe(1);
    }

    [Fact]
    public async Task FetchAsync_CallerCancelsWhileReadingTheBody_OperationCanceled()
    {
        await using var server = LoopbackHttpServer.Start(async exchange =>
        {
            await exchange.WriteHeadAsync(200, ("Content-Type", "text/plain"), ("Content-Length", "1000"));
            await exchange.WriteBodyAsync("1.2.3.4:80\n"u8.ToArray());
            await exchange.HangAsync();
        });
        using var provider = Provider();
        await using var document = await Fetcher(provider).FetchAsync(server.Url(), Timeout());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));

        var error = await CaughtAsync(() => document.Content.CopyToAsync(Stream.Null, cancel.Token));

        error.ShouldBeAssignableTo<OperationCanceledException>();
    }

    // ---- registration ----

    [Fact]
    public async Task AddProxyKitPool_CalledTwice_FetcherStillHasOneRetryLayer()
    {
        await using var server = LoopbackHttpServer.Always(503);
        var services = new ServiceCollection();
        services.AddProxyKitPool(Configure(o => o.MaxRetries = 1));
        services.AddProxyKitPool();
        using var provider = services.BuildServiceProvider(validateScopes: true);

        (await FetchFailsAsync(provider, server.Url())).StatusCode.ShouldBe(503);

        server.RequestCount.ShouldBe(2, "two handler registrations would retry the retries (4 requests)");
    }

    // ---- helpers ----

    private static Action<PoolOptions> Configure(Action<SourceFetchOptions>? configure) => o =>
    {
        o.Fetch.AllowPrivateAddresses = true; // the servers are on loopback
        o.Fetch.AttemptTimeout = TimeSpan.FromSeconds(3);
        o.Fetch.TotalTimeout = TimeSpan.FromSeconds(8);
        o.Fetch.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        o.Fetch.MaxRetryDelay = TimeSpan.FromMilliseconds(50);
        configure?.Invoke(o.Fetch);
    };

    private static ServiceProvider Provider(Action<SourceFetchOptions>? configure = null, TimeProvider? time = null, CapturingLoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddProxyKitPool(Configure(configure));
        return services.BuildServiceProvider(validateScopes: true);
    }

    private static SourceFetcher Fetcher(IServiceProvider provider) => provider.GetRequiredService<SourceFetcher>();

    private static LoopbackHttpServer Serve(int status, byte[] body, params (string Name, string Value)[] headers) =>
        LoopbackHttpServer.Start(exchange => exchange.RespondAsync(status, body, headers));

    private static byte[] WithUtf8Bom(string text) => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)];

    private static async Task<byte[]> FetchBytesAsync(IServiceProvider provider, Uri url)
    {
        await using var document = await Fetcher(provider).FetchAsync(url, Timeout());
        using var copy = new MemoryStream();
        await document.Content.CopyToAsync(copy, Timeout());
        return copy.ToArray();
    }

    private static async Task<string> ReadTextAsync(FetchedDocument document)
    {
        using var reader = new StreamReader(document.Content, Encoding.UTF8);
        return await reader.ReadToEndAsync(Timeout());
    }

    private static async Task<SourceFetchException> FetchFailsAsync(IServiceProvider provider, Uri url)
    {
        var error = await CaughtAsync(async () =>
        {
            await using var document = await Fetcher(provider).FetchAsync(url, Timeout());
        });
        return error.ShouldBeOfType<SourceFetchException>();
    }

    private static async Task<Exception> CaughtAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new ShouldAssertException("Expected an exception; nothing was thrown.");
    }

    // A safety net so a broken test fails instead of hanging; never the thing under test.
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
}
