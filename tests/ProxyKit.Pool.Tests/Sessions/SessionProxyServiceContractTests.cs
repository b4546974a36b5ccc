using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Sessions;
using ProxyKit.Pool.Tests.Storage;
using ProxyKit.Testing.Storage;

namespace ProxyKit.Pool.Tests.Sessions;

/// <summary>Proxies bound to sessions through <see cref="SessionProxyService"/> (validation, rotation, limits, counters), on both engines.</summary>
public abstract class SessionProxyServiceContractTests(TestEngine engine) : PoolContractTestBase(engine)
{
    // --- Validation -------------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task CreateAsync_MissingFields_ReturnsValidationErrorNamingEachAndWritesNothing()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);

        var result = await service.CreateAsync(new SessionProxyCreate());

        result.Succeeded.ShouldBeFalse();
        result.Error!.Code.ShouldBe("validation_error");
        result.Error.Details!.Keys.ShouldBe(["ip", "port", "session"], ignoreOrder: true);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(0);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_BadIp_ReturnsValidationErrorOnIp()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);

        foreach (var ip in new[] { "10.1", "999.1.1.1", "host", "1.2.3.4.5", "10.0.0.1:80", " " })
        {
            var result = await service.CreateAsync(new SessionProxyCreate { Ip = ip, Port = 8080, Session = "s" });

            result.Error.ShouldNotBeNull(ip);
            result.Error.Code.ShouldBe("validation_error", ip);
            result.Error.Details!.Keys.ShouldBe(["ip"], $"ip '{ip}'");
        }

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(0);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_PortOutOfRange_ReturnsValidationErrorOnPort()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);

        foreach (var port in new[] { 0, 70000, -1, 65536 })
        {
            var result = await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.1", Port = port, Session = "s" });

            result.Error!.Code.ShouldBe("validation_error");
            result.Error.Details!.Keys.ShouldBe(["port"], $"port {port}");
        }

        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(0);
        (await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.1", Port = 65535, Session = "s" })).Succeeded.ShouldBeTrue();
        (await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.2", Port = 1, Session = "t" })).Succeeded.ShouldBeTrue();
    }

    [SkippableFact]
    public async Task CreateAsync_PasswordWithoutUsername_ReturnsValidationErrorOnUsername()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);

        var withoutUser = await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.1", Port = 80, Password = "secret", Session = "s" });
        var emptyUser = await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.1", Port = 80, Username = "", Password = "secret", Session = "s" });
        var controlChars = await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.1", Port = 80, Session = "bad\ncookie" });

        withoutUser.Error!.Code.ShouldBe("validation_error");
        withoutUser.Error.Details!.Keys.ShouldBe(["username"]);
        emptyUser.Error!.Details!.Keys.ShouldBe(["username"]);
        controlChars.Error!.Details!.Keys.ShouldBe(["session"]);
        withoutUser.Error.Message.ShouldNotContain("secret");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies")).ShouldBe(0);
    }

    [SkippableFact]
    public async Task CreateAsync_ValidInput_NormalizesTheAddressAndStoresEmptyCredentialsAsNull()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);

        var mapped = await service.CreateAsync(new SessionProxyCreate { Ip = " ::ffff:10.0.0.7 ", Port = 3128, Username = "", Session = "m" });
        var v6 = await service.CreateAsync(new SessionProxyCreate { Ip = "2001:DB8::1", Port = 3128, Username = "u", Password = "p", Session = "v" });

        mapped.Value!.Ip.ShouldBe("10.0.0.7");
        mapped.Value.Username.ShouldBeNull();
        v6.Value!.Ip.ShouldBe("2001:db8::1");
        (await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.7", Port = 3128, Session = "other" })).Error!.Code.ShouldBe("duplicate_proxy");
        (await service.GetAsync(v6.Value.Id))!.Password.ShouldBe("p");
    }

    [SkippableFact]
    public async Task ReportAsync_InvalidReport_ReturnsValidationErrorNamingEachField()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        var result = await service.ReportAsync(proxy.Id, new SessionProxyReport { LatencyMs = -1, StatusCode = 42, Ticket = "not a ticket!" });
        var nan = await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, LatencyMs = double.NaN });
        var huge = await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, StatusCode = 600 });

        result.Error!.Code.ShouldBe("validation_error");
        result.Error.Details!.Keys.ShouldBe(["success", "latency_ms", "status_code", "ticket"], ignoreOrder: true);
        nan.Error!.Details!.Keys.ShouldBe(["latency_ms"]);
        huge.Error!.Details!.Keys.ShouldBe(["status_code"]);
        await service.FlushAsync(default);
        var stored = (await service.GetAsync(proxy.Id))!;
        stored.TotalRequests.ShouldBe(0, "a refused report counts nothing");
        stored.ErrorCount.ShouldBe(0);
    }

    [SkippableFact]
    public async Task ReportAsync_UnknownProxy_ReturnsNotFound()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        var result = await service.ReportAsync(proxy.Id + 1000, new SessionProxyReport { Success = false });

        result.Error!.Code.ShouldBe("not_found");
        result.Error.Details!["proxy_id"].ShouldBe(proxy.Id + 1000);
        (await service.DeleteAsync(proxy.Id)).ShouldBeTrue();
        (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true })).Error!.Code.ShouldBe("not_found", "a deleted proxy is gone from the view");
        (await service.DeleteAsync(proxy.Id)).ShouldBeFalse();
    }

    [SkippableFact]
    public async Task NextAsync_BlankSession_ReturnsValidationError()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        await AddAsync(service, "10.0.0.1", "s1");

        var result = await service.NextAsync("  ");

        result.Error!.Code.ShouldBe("validation_error");
        result.Error.Details!.Keys.ShouldBe(["session"]);
    }

    [SkippableFact]
    public async Task NextAsync_NoProxies_ReturnsNoProxyAvailable()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);

        var result = await service.NextAsync();

        result.Error!.Code.ShouldBe("no_proxy_available");
        Detail(result.Error, "retry_after_seconds").ShouldBe(1);
    }

    // --- Cooldowns --------------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task ReportAsync_ConsecutiveFailures_StartACooldownExactlyAtTheThreshold_AndRotationSkipsTheProxy()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.ErrorThreshold = 3);
        var service = Service(pool);
        var bad = await AddAsync(service, "10.0.0.1", "bad");
        var good = await AddAsync(service, "10.0.0.2", "good");

        var first = (await Fail(service, bad.Id)).Value!;
        var second = (await Fail(service, bad.Id)).Value!;
        var third = (await Fail(service, bad.Id)).Value!;

        first.CooldownStarted.ShouldBeFalse();
        first.ErrorCount.ShouldBe(1);
        first.Failed.ShouldBeTrue();
        second.CooldownStarted.ShouldBeFalse();
        second.ErrorCount.ShouldBe(2);
        third.CooldownStarted.ShouldBeTrue();
        third.ErrorCount.ShouldBe(3);
        third.CooldownUntil.ShouldBe(Start.AddMinutes(1));
        var stored = (await service.GetAsync(bad.Id))!;
        stored.ErrorCount.ShouldBe(3);
        stored.CooldownUntil.ShouldBe(Start.AddMinutes(1));
        stored.CooldownLevel.ShouldBe(1);
        stored.Status.ShouldBe("active", "a cooldown does not change the operator's status");

        var fourth = (await Fail(service, bad.Id)).Value!;
        fourth.CooldownStarted.ShouldBeFalse("a report during the cooldown does not start another");
        fourth.CooldownUntil.ShouldBe(Start.AddMinutes(1));

        for (var i = 0; i < 50; i++)
        {
            var ticket = (await service.NextAsync()).Value!;
            ticket.Proxy.Id.ShouldBe(good.Id, $"round {i}");
            (await service.ReportAsync(ticket.Proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Ticket })).Value!.TicketReleased.ShouldBeTrue();
        }

        var metrics = await service.GetMetricsAsync();
        metrics.CoolingDown.ShouldBe(1);
        metrics.Available.ShouldBe(1);
        var badMetrics = metrics.PerProxy.Single(p => p.Id == bad.Id);
        badMetrics.State.ShouldBe(SessionProxyState.CoolingDown);
        badMetrics.CooldownUntil.ShouldBe(Start.AddMinutes(1));
        badMetrics.ErrorCount.ShouldBe(4);

        // Back from the cooldown: on probation, one request at a time.
        Clock.Advance(TimeSpan.FromMinutes(1));
        SessionProxyTicket? probation = null;
        for (var i = 0; i < 200 && probation is null; i++)
        {
            var ticket = (await service.NextAsync()).Value!;
            if (ticket.Proxy.Id == bad.Id)
            {
                probation = ticket;
            }
            else
            {
                await service.ReportAsync(ticket.Proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Ticket });
            }
        }

        probation.ShouldNotBeNull("the proxy is back in rotation after its cooldown");
        probation.State.ShouldBe(SessionProxyState.Probation);
        for (var i = 0; i < 20; i++)
        {
            var ticket = (await service.NextAsync()).Value!;
            ticket.Proxy.Id.ShouldBe(good.Id, "a proxy on probation takes one request at a time");
            await service.ReportAsync(ticket.Proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Ticket });
        }
    }

    [SkippableFact]
    public async Task NextAsync_OnlyProxyFailing_CoolsDownWithExponentialBackoffAndRecoversOnSuccess()
    {
        // A long refresh interval: no background reload races the reports (writes still invalidate the view).
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.ErrorThreshold = 3;
            o.Sessions.RefreshInterval = TimeSpan.FromMinutes(10);
        });
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");
        for (var i = 0; i < 3; i++)
        {
            var handed = (await service.NextAsync()).Value!;
            (await Fail(service, proxy.Id, handed.Ticket)).Value!.CooldownStarted.ShouldBe(i == 2);
        }

        var refused = await service.NextAsync();
        refused.Error!.Code.ShouldBe("no_proxy_available");
        Detail(refused.Error, "cooling_down").ShouldBe(1);
        Detail(refused.Error, "retry_after_seconds").ShouldBe(60);
        Clock.Advance(TimeSpan.FromSeconds(20));
        Detail((await service.NextAsync()).Error!, "retry_after_seconds").ShouldBe(40);

        // The cooldown ends: probation, one request in flight.
        Clock.Advance(TimeSpan.FromSeconds(40));
        var probe = (await service.NextAsync()).Value!;
        probe.State.ShouldBe(SessionProxyState.Probation);
        var busy = await service.NextAsync();
        busy.Error!.Code.ShouldBe("no_proxy_available");
        Detail(busy.Error, "busy").ShouldBe(1);
        Detail(busy.Error, "retry_after_seconds").ShouldBe(1);

        // Failing on probation: the next cooldown is twice as long.
        var failedAgain = (await Fail(service, proxy.Id, probe.Ticket)).Value!;
        failedAgain.CooldownStarted.ShouldBeTrue();
        failedAgain.ErrorCount.ShouldBe(4);
        failedAgain.CooldownUntil.ShouldBe(Clock.GetUtcNow().AddMinutes(2));
        (await service.GetAsync(proxy.Id))!.CooldownLevel.ShouldBe(2);
        Detail((await service.NextAsync()).Error!, "retry_after_seconds").ShouldBe(120);

        // A success on probation ends the streak and the backoff.
        Clock.Advance(TimeSpan.FromMinutes(2));
        var second = (await service.NextAsync()).Value!;
        second.State.ShouldBe(SessionProxyState.Probation);
        var success = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, LatencyMs = 80, Ticket = second.Ticket })).Value!;
        success.Failed.ShouldBeFalse();
        success.ErrorCount.ShouldBe(0);
        success.TicketReleased.ShouldBeTrue();
        var recovered = (await service.GetAsync(proxy.Id))!;
        recovered.ErrorCount.ShouldBe(0);
        recovered.CooldownLevel.ShouldBe(0);
        (await service.GetMetricsAsync()).PerProxy.Single().State.ShouldBe(SessionProxyState.Available);
        var available = (await service.NextAsync()).Value!;
        available.State.ShouldBe(SessionProxyState.Available);
        (await service.NextAsync()).Succeeded.ShouldBeTrue("available again: more than one request in flight");

        // The next streak starts from the base cooldown.
        (await Fail(service, proxy.Id)).Value!.CooldownStarted.ShouldBeFalse("one failure after a success is below the threshold again");
        (await Fail(service, proxy.Id)).Value!.CooldownStarted.ShouldBeFalse();
        var third = (await Fail(service, proxy.Id)).Value!;
        third.CooldownStarted.ShouldBeTrue();
        third.CooldownUntil.ShouldBe(Clock.GetUtcNow().AddMinutes(1));
    }

    [SkippableFact]
    public async Task ReportAsync_FailureRateOverTheWindow_StartsACooldownWithoutAStreak()
    {
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.ErrorThreshold = 1_000;
            o.Sessions.FailureRateThreshold = 0.5;
            o.Sessions.FailureRateMinimumRequests = 4;
        });
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true })).Value!.CooldownStarted.ShouldBeFalse();
        (await Fail(service, proxy.Id)).Value!.CooldownStarted.ShouldBeFalse("two outcomes are too few to judge");
        (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true })).Value!.CooldownStarted.ShouldBeFalse();
        var fourth = (await Fail(service, proxy.Id)).Value!;

        fourth.CooldownStarted.ShouldBeTrue("2 failures of 4 reach the 50% threshold");
        fourth.ErrorCount.ShouldBe(1);
        (await service.NextAsync()).Error!.Code.ShouldBe("no_proxy_available");
    }

    [SkippableFact]
    public async Task NextAsync_SessionWhoseProxyIsCoolingDown_IsRefusedRatherThanMoved()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.ErrorThreshold = 1);
        var service = Service(pool);
        var a = await AddAsync(service, "10.0.0.1", "cookie-a");
        await AddAsync(service, "10.0.0.2", "cookie-b");

        (await Fail(service, a.Id)).Value!.CooldownStarted.ShouldBeTrue();
        var result = await service.NextAsync("cookie-a");

        result.Error!.Code.ShouldBe("no_proxy_available");
        result.Error.Details!["proxy_id"].ShouldBe(a.Id);
        Detail(result.Error, "cooling_down").ShouldBe(1);
        Detail(result.Error, "retry_after_seconds").ShouldBe(60);
        (await service.NextAsync("cookie-b")).Succeeded.ShouldBeTrue();
    }

    [SkippableFact]
    public async Task ReportAsync_BlockedStatusCode_CountsAsFailedAndBlocked()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        var blocked = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, StatusCode = 403, LatencyMs = 50 })).Value!;
        var tooMany = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, StatusCode = 429 })).Value!;
        var serverError = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = false, StatusCode = 502 })).Value!;
        var notFound = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, StatusCode = 404 })).Value!;

        blocked.Failed.ShouldBeTrue();
        blocked.Blocked.ShouldBeTrue();
        blocked.ErrorCount.ShouldBe(1);
        tooMany.Blocked.ShouldBeTrue();
        tooMany.ErrorCount.ShouldBe(2);
        serverError.Failed.ShouldBeTrue();
        serverError.Blocked.ShouldBeFalse();
        serverError.ErrorCount.ShouldBe(3);
        notFound.Failed.ShouldBeFalse("the client's word stands for a status that does not block");
        notFound.ErrorCount.ShouldBe(0);
        await service.FlushAsync(default);
        var stored = (await service.GetAsync(proxy.Id))!;
        stored.TotalRequests.ShouldBe(4);
        stored.FailedRequests.ShouldBe(3);
        stored.BlockedRequests.ShouldBe(2);
        var metrics = await service.GetMetricsAsync();
        metrics.BlockedRequests.ShouldBe(2);
        metrics.Window.Blocked.ShouldBe(2);
        metrics.Window.Failures.ShouldBe(3);
    }

    [SkippableFact]
    public async Task ReportAsync_ConfiguredBlockedStatusCodes_ReplaceTheDefaults()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.BlockedStatusCodes = [407]);
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        var forbidden = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, StatusCode = 403 })).Value!;
        var auth = (await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, StatusCode = 407 })).Value!;

        forbidden.Failed.ShouldBeFalse();
        auth.Failed.ShouldBeTrue();
        auth.Blocked.ShouldBeTrue();
    }

    // --- Weighting --------------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task NextAsync_FastHealthyProxy_IsPickedMoreThanASlowOne()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.HourlyRequestLimit = null);
        var service = Service(pool);
        var fast = await AddAsync(service, "10.0.0.1", "fast");
        var slow = await AddAsync(service, "10.0.0.2", "slow");
        for (var i = 0; i < 50; i++)
        {
            await service.ReportAsync(fast.Id, new SessionProxyReport { Success = true, LatencyMs = 20 });
            await service.ReportAsync(slow.Id, new SessionProxyReport { Success = true, LatencyMs = 3_000 });
        }

        await service.FlushAsync(default);
        Clock.Advance(TimeSpan.FromSeconds(3));
        service.OnChanged(); // as an announcement would: the next caller reads the flushed window

        var weights = (await service.GetMetricsAsync()).PerProxy.ToDictionary(p => p.Id, p => p.Weight);
        weights[fast.Id].ShouldBe(Math.Pow(51.0 / 52, 2) * 1_000 / 1_020, 1e-6);
        weights[slow.Id].ShouldBe(Math.Pow(51.0 / 52, 2) * 1_000 / 4_000, 1e-6);

        var counts = new Dictionary<long, int> { [fast.Id] = 0, [slow.Id] = 0 };
        for (var i = 0; i < 2_000; i++)
        {
            var ticket = (await service.NextAsync()).Value!;
            counts[ticket.Proxy.Id]++;
            (await service.ReportAsync(ticket.Proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Ticket })).Value!.TicketReleased.ShouldBeTrue();
        }

        counts[fast.Id].ShouldBeGreaterThan(2 * counts[slow.Id], $"fast {counts[fast.Id]}, slow {counts[slow.Id]}");
        counts[slow.Id].ShouldBeGreaterThan(100, "the slow proxy is still tried now and then");
    }

    // --- Limits -------------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task NextAsync_HourlyLimit_RefusesOverTheLimitAndResetsAtTheClockHour()
    {
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.HourlyRequestLimit = 5;
            o.Sessions.MaxInFlight = 100;
        });
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        for (var i = 0; i < 5; i++)
        {
            var ticket = (await service.NextAsync()).Value!;
            await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Ticket });
        }

        var refused = await service.NextAsync();
        refused.Error!.Code.ShouldBe("no_proxy_available");
        Detail(refused.Error, "rate_limited").ShouldBe(1);
        Detail(refused.Error, "busy").ShouldBe(0);
        Detail(refused.Error, "retry_after_seconds").ShouldBe(3_450, "57.5 minutes to the next clock hour");
        (await service.NextAsync("s1")).Error!.Code.ShouldBe("no_proxy_available", "a session's proxy is limited too");
        await service.FlushAsync(default);
        (await service.ListAsync()).Single().RequestsThisHour.ShouldBe(5, "refused requests are not counted");
        (await service.GetMetricsAsync()).RequestsThisHour.ShouldBe(5);

        Clock.SetUtcNow(new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero));
        (await service.ListAsync()).Single().RequestsThisHour.ShouldBe(0, "the previous hour's count does not carry over");
        for (var i = 0; i < 5; i++)
        {
            var ticket = await service.NextAsync();
            ticket.Succeeded.ShouldBeTrue($"request {i} of the new hour");
            await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Value!.Ticket });
        }

        (await service.NextAsync()).Error!.Code.ShouldBe("no_proxy_available");
        await service.FlushAsync(default);
        var stored = (await service.ListAsync()).Single();
        stored.RequestsThisHour.ShouldBe(5);
        stored.TotalRequests.ShouldBe(10);
    }

    [SkippableFact]
    public async Task NextAsync_HundredConcurrentCalls_HonourTheInFlightCap()
    {
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.MaxInFlight = 4;
            o.Sessions.HourlyRequestLimit = 1_000;
        });
        var service = Service(pool);
        var ids = new List<long>();
        for (var i = 1; i <= 3; i++)
        {
            ids.Add((await AddAsync(service, $"10.0.0.{i}", $"s{i}")).Id);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => service.NextAsync())));

        var granted = results.Where(r => r.Succeeded).Select(r => r.Value!).ToList();
        granted.Count.ShouldBe(12);
        granted.GroupBy(t => t.Proxy.Id).ShouldAllBe(g => g.Count() == 4);
        granted.Select(t => t.Ticket).Distinct().Count().ShouldBe(12);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == "no_proxy_available" && (int)r.Error.Details!["busy"]! == 3);
        var metrics = await service.GetMetricsAsync();
        metrics.InFlight.ShouldBe(12);

        var freed = granted[0];
        (await service.ReportAsync(freed.Proxy.Id, new SessionProxyReport { Success = true, Ticket = freed.Ticket })).Value!.TicketReleased.ShouldBeTrue();
        var next = await service.NextAsync();
        next.Succeeded.ShouldBeTrue("a report frees its slot");
        next.Value!.Proxy.Id.ShouldBe(freed.Proxy.Id);
        (await service.NextAsync()).Succeeded.ShouldBeFalse();

        // Slots of requests never reported free themselves after the in-flight timeout.
        Clock.Advance(TimeSpan.FromSeconds(60));
        (await service.GetMetricsAsync()).InFlight.ShouldBe(0);
        (await service.NextAsync()).Succeeded.ShouldBeTrue();
    }

    [SkippableFact]
    public async Task NextAsync_HundredConcurrentCalls_HonourTheHourlyLimit()
    {
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.MaxInFlight = 100;
            o.Sessions.HourlyRequestLimit = 5;
        });
        var service = Service(pool);
        for (var i = 1; i <= 3; i++)
        {
            await AddAsync(service, $"10.0.0.{i}", $"s{i}");
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => service.NextAsync())));

        var granted = results.Where(r => r.Succeeded).Select(r => r.Value!).ToList();
        granted.Count.ShouldBe(15);
        granted.GroupBy(t => t.Proxy.Id).ShouldAllBe(g => g.Count() == 5);
        results.Where(r => !r.Succeeded).ShouldAllBe(r => r.Error!.Code == "no_proxy_available" && (int)r.Error.Details!["rate_limited"]! == 3);
        (await service.GetMetricsAsync()).InFlight.ShouldBe(15, "refused hand-outs gave their slots back");
        await service.FlushAsync(default);
        (await service.ListAsync()).ShouldAllBe(p => p.RequestsThisHour == 5);
    }

    // --- Sessions -------------------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task NextAsync_NewSession_IsBoundOnceAndKeepsItsProxyEvenWhenAnotherIsHealthier()
    {
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.ErrorThreshold = 1_000;
            o.Sessions.FailureRateThreshold = null;
        });
        var service = Service(pool);
        var a = await AddAsync(service, "10.0.0.1", "cookie-a");
        var b = await AddAsync(service, "10.0.0.2", "cookie-b");

        var first = (await service.NextAsync("new-cookie")).Value!;
        first.SessionBound.ShouldBeTrue();
        first.Session!.Session.ShouldBe("new-cookie");
        first.Session.ProxyId.ShouldBe(first.Proxy.Id);
        await service.ReportAsync(first.Proxy.Id, new SessionProxyReport { Success = true, Ticket = first.Ticket });
        var bound = first.Proxy.Id;
        var other = bound == a.Id ? b.Id : a.Id;
        (await service.GetAsync(bound))!.Sessions.Select(s => s.Session).ShouldContain("new-cookie");

        // The bound proxy now fails often and slowly; the other is fast and healthy.
        for (var i = 0; i < 30; i++)
        {
            await Fail(service, bound, latencyMs: 5_000);
            await service.ReportAsync(other, new SessionProxyReport { Success = true, LatencyMs = 10 });
        }

        await service.FlushAsync(default);
        Clock.Advance(TimeSpan.FromSeconds(3));
        service.OnChanged();
        var weights = (await service.GetMetricsAsync()).PerProxy.ToDictionary(p => p.Id, p => p.Weight);
        weights[other].ShouldBeGreaterThan(10 * weights[bound]);

        for (var i = 0; i < 20; i++)
        {
            var again = (await service.NextAsync("new-cookie")).Value!;
            again.Proxy.Id.ShouldBe(bound, "a session keeps its IP");
            again.SessionBound.ShouldBeFalse();
            again.Session!.Id.ShouldBe(first.Session.Id);
            await service.ReportAsync(bound, new SessionProxyReport { Success = false, Ticket = again.Ticket });
        }

        (await service.NextAsync("cookie-a")).Value!.Proxy.Id.ShouldBe(a.Id, "the session a proxy was created with is bound too");
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(3);
    }

    [SkippableFact]
    public async Task NextAsync_TwentyConcurrentNewSessions_FillTheSessionCapExactly()
    {
        // Each proxy is created with its first session, so a cap of 3 leaves room for 2 more per proxy.
        var pool = await CreatePoolAsync(o =>
        {
            o.Sessions.MaxSessionsPerProxy = 3;
            o.Sessions.MaxInFlight = 100;
        });
        var service = Service(pool);
        var a = await AddAsync(service, "10.0.0.1", "seed-a");
        var b = await AddAsync(service, "10.0.0.2", "seed-b");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => service.NextAsync($"cookie-{i}"))));

        var granted = results.Where(r => r.Succeeded).Select(r => r.Value!).ToList();
        granted.Count.ShouldBe(4);
        granted.ShouldAllBe(t => t.SessionBound);
        granted.GroupBy(t => t.Proxy.Id).ShouldAllBe(g => g.Count() == 2);
        var refused = results.Where(r => !r.Succeeded).ToList();
        refused.Count.ShouldBe(16);
        refused.ShouldAllBe(r => r.Error!.Code == "no_proxy_available" && (int)r.Error.Details!["session_limit"]! > 0);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(6);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_session_proxies WHERE session_count = 3")).ShouldBe(2);
        (await service.GetAsync(a.Id))!.Sessions.Count.ShouldBe(3);
        (await service.GetAsync(b.Id))!.Sessions.Count.ShouldBe(3);

        var late = await service.NextAsync("one-more");
        Detail(late.Error!, "session_limit").ShouldBe(2);
        (await service.NextAsync()).Succeeded.ShouldBeTrue("session-less work is not limited by the sessions cap");
        foreach (var ticket in granted)
        {
            (await service.NextAsync(ticket.Session!.Session)).Value!.Proxy.Id.ShouldBe(ticket.Proxy.Id);
        }
    }

    [SkippableFact]
    public async Task NextAsync_SameNewSessionTenTimesConcurrently_BindsItExactlyOnce()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.MaxInFlight = 100);
        var service = Service(pool);
        await AddAsync(service, "10.0.0.1", "seed-a");
        await AddAsync(service, "10.0.0.2", "seed-b");
        await AddAsync(service, "10.0.0.3", "seed-c");

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => service.NextAsync("shared-cookie"))));

        results.ShouldAllBe(r => r.Succeeded, string.Join(", ", results.Where(r => !r.Succeeded).Select(r => r.Error!.Code)));
        results.Select(r => r.Value!.Proxy.Id).Distinct().Count().ShouldBe(1);
        results.Count(r => r.Value!.SessionBound).ShouldBe(1);
        results.Select(r => r.Value!.Session!.Id).Distinct().Count().ShouldBe(1);
        (await pool.CountAsync("SELECT COUNT(*) FROM pool_proxy_sessions")).ShouldBe(4);
        (await pool.CountAsync("SELECT SUM(session_count) FROM pool_session_proxies")).ShouldBe(4, "losing binds gave their reservation back");
    }

    [SkippableFact]
    public async Task NextAsync_SessionBoundByAnotherWriterMomentsAgo_FollowsTheDatabase()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        var a = await AddAsync(service, "10.0.0.1", "seed-a");
        await AddAsync(service, "10.0.0.2", "seed-b");
        (await service.NextAsync()).Succeeded.ShouldBeTrue(); // this host's view is loaded and fresh

        // Another host binds the session (its announcement has not arrived yet).
        var store = pool.Services.GetRequiredService<SessionProxyStore>();
        (await store.AddSessionAsync(a.Id, "elsewhere", 3, default)).Succeeded.ShouldBeTrue();

        var results = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            var result = await service.NextAsync("elsewhere");
            result.Error.ShouldBeNull($"attempt {i}: {result.Error?.Code}");
            results.Add(result.Value!.Proxy.Id);
            result.Value.SessionBound.ShouldBeFalse();
            await service.ReportAsync(result.Value.Proxy.Id, new SessionProxyReport { Success = true, Ticket = result.Value.Ticket });
        }

        results.ShouldAllBe(id => id == a.Id);
    }

    [SkippableFact]
    public async Task ReportAsync_ProxyCreatedByAnotherWriterMomentsAgo_IsFound()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        await AddAsync(service, "10.0.0.1", "seed-a");
        (await service.NextAsync()).Succeeded.ShouldBeTrue(); // this host's view is loaded and fresh

        var store = pool.Services.GetRequiredService<SessionProxyStore>();
        var other = (await store.CreateAsync("10.0.0.2", 8080, null, null, "seed-b", default)).Value!;

        var result = await service.ReportAsync(other.Id, new SessionProxyReport { Success = true });

        result.Error.ShouldBeNull(result.Error?.Code);
    }

    [SkippableFact]
    public async Task AddSessionAsync_OverTheCap_ReturnsSessionLimit()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.MaxSessionsPerProxy = 2);
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        var second = await service.AddSessionAsync(proxy.Id, "s2");
        var third = await service.AddSessionAsync(proxy.Id, "s3");
        var blank = await service.AddSessionAsync(proxy.Id, "");
        var missing = await service.AddSessionAsync(proxy.Id + 100, "s4");

        second.Succeeded.ShouldBeTrue();
        second.Value!.ProxyId.ShouldBe(proxy.Id);
        third.Error!.Code.ShouldBe("session_limit");
        third.Error.Details!["max_sessions"].ShouldBe(2);
        blank.Error!.Code.ShouldBe("validation_error");
        missing.Error!.Code.ShouldBe("not_found");
        (await service.GetAsync(proxy.Id))!.Sessions.Select(s => s.Session).ShouldBe(["s1", "s2"]);
        (await service.NextAsync("s2")).Value!.Proxy.Id.ShouldBe(proxy.Id, "a session added by hand is sticky at once");
        (await service.NextAsync("s3")).Error!.Code.ShouldBe("no_proxy_available");
    }

    [SkippableFact]
    public async Task SetStatusAsync_DisabledProxy_IsNeverHandedOut()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        var a = await AddAsync(service, "10.0.0.1", "cookie-a");
        var b = await AddAsync(service, "10.0.0.2", "cookie-b");

        var disabled = await service.SetStatusAsync(b.Id, "disabled");
        disabled.Value!.Status.ShouldBe("disabled");
        disabled.Value.IsActive.ShouldBeFalse();

        for (var i = 0; i < 50; i++)
        {
            var ticket = (await service.NextAsync()).Value!;
            ticket.Proxy.Id.ShouldBe(a.Id);
            await service.ReportAsync(ticket.Proxy.Id, new SessionProxyReport { Success = true, Ticket = ticket.Ticket });
        }

        var sticky = await service.NextAsync("cookie-b");
        sticky.Error!.Code.ShouldBe("no_proxy_available");
        Detail(sticky.Error, "disabled").ShouldBe(1);
        (await service.NextAsync("brand-new")).Value!.Proxy.Id.ShouldBe(a.Id, "new sessions are bound to proxies in rotation only");
        (await service.SetStatusAsync(a.Id, "disabled")).Succeeded.ShouldBeTrue();
        var none = await service.NextAsync();
        Detail(none.Error!, "disabled").ShouldBe(2);
        (await service.GetMetricsAsync()).Disabled.ShouldBe(2);

        (await service.SetStatusAsync(a.Id, "paused")).Error!.Code.ShouldBe("validation_error");
        (await service.SetStatusAsync(a.Id, null)).Error!.Code.ShouldBe("validation_error");
        (await service.SetStatusAsync(a.Id + b.Id + 100, "active")).Error!.Code.ShouldBe("not_found");
        (await service.SetStatusAsync(b.Id, "active")).Succeeded.ShouldBeTrue();
        (await service.NextAsync("cookie-b")).Value!.Proxy.Id.ShouldBe(b.Id);
    }

    [SkippableFact]
    public async Task SetStatusAsync_Active_EndsACooldownAndClearsTheStreak()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.ErrorThreshold = 2);
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");
        await Fail(service, proxy.Id);
        (await Fail(service, proxy.Id)).Value!.CooldownStarted.ShouldBeTrue();
        (await service.NextAsync()).Error!.Code.ShouldBe("no_proxy_available");

        var reactivated = (await service.SetStatusAsync(proxy.Id, "active")).Value!;

        reactivated.ErrorCount.ShouldBe(0);
        reactivated.CooldownUntil.ShouldBeNull();
        reactivated.CooldownLevel.ShouldBe(0);
        var ticket = (await service.NextAsync()).Value!;
        ticket.State.ShouldBe(SessionProxyState.Available);
        (await Fail(service, proxy.Id, ticket.Ticket)).Value!.CooldownStarted.ShouldBeFalse("the streak starts again from zero");
    }

    // --- Counters and metrics -------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task FlushAsync_WritesCountersOnce()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.ErrorThreshold = 10);
        var service = Service(pool);
        var proxy = await AddAsync(service, "10.0.0.1", "s1");

        var t1 = (await service.NextAsync()).Value!;
        await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, LatencyMs = 100, Ticket = t1.Ticket });
        var t2 = (await service.NextAsync()).Value!;
        await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = false, LatencyMs = 200, Ticket = t2.Ticket });
        await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = false, LatencyMs = 300, StatusCode = 500 });

        var beforeFlush = (await service.GetAsync(proxy.Id))!;
        beforeFlush.ErrorCount.ShouldBe(2, "the error streak is written at once");
        beforeFlush.TotalRequests.ShouldBe(0, "counters wait for the flush");
        beforeFlush.LastUsedAt.ShouldBeNull();

        Clock.Advance(TimeSpan.FromSeconds(5));
        await service.FlushAsync(default);
        await service.FlushAsync(default);

        var stored = (await service.GetAsync(proxy.Id))!;
        stored.TotalRequests.ShouldBe(3);
        stored.FailedRequests.ShouldBe(2);
        stored.BlockedRequests.ShouldBe(0);
        stored.ErrorCount.ShouldBe(2);
        stored.RequestsThisHour.ShouldBe(3, "two hand-outs and one report without a ticket");
        stored.LastUsedAt.ShouldBe(Start);
        (await pool.CountAsync("SELECT SUM(successes) + SUM(failures) FROM pool_session_proxy_health")).ShouldBe(3);

        var t3 = (await service.NextAsync()).Value!;
        await service.ReportAsync(proxy.Id, new SessionProxyReport { Success = true, Ticket = t3.Ticket });
        await service.FlushAsync(default);
        var after = (await service.GetAsync(proxy.Id))!;
        after.TotalRequests.ShouldBe(4);
        after.FailedRequests.ShouldBe(2);
        after.ErrorCount.ShouldBe(0);
        after.RequestsThisHour.ShouldBe(4);
        after.LastUsedAt.ShouldBe(Start.AddSeconds(5));
    }

    [SkippableFact]
    public async Task GetMetricsAsync_ReflectsReportedOutcomesBeforeAndAfterTheFlush()
    {
        var pool = await CreatePoolAsync(o => o.Sessions.ErrorThreshold = 10);
        var service = Service(pool);
        var a = await AddAsync(service, "10.0.0.1", "s1");
        var b = await AddAsync(service, "10.0.0.2", "s2");
        await service.ReportAsync(a.Id, new SessionProxyReport { Success = true, LatencyMs = 100 });
        await service.ReportAsync(a.Id, new SessionProxyReport { Success = false, LatencyMs = 200 });
        await service.ReportAsync(a.Id, new SessionProxyReport { Success = true, LatencyMs = 300, StatusCode = 403 });
        await service.ReportAsync(b.Id, new SessionProxyReport { Success = true });

        var pending = await service.GetMetricsAsync();
        await service.FlushAsync(default);
        var flushed = await service.GetMetricsAsync();

        foreach (var metrics in new[] { pending, flushed })
        {
            metrics.Proxies.ShouldBe(2);
            metrics.Sessions.ShouldBe(2);
            metrics.Window.Requests.ShouldBe(4);
            metrics.Window.Successes.ShouldBe(2);
            metrics.Window.Failures.ShouldBe(2);
            metrics.Window.Blocked.ShouldBe(1);
            metrics.Window.AverageLatencyMs.ShouldBe(200.0);
            metrics.Window.SuccessRate.ShouldBe(0.5);
            var perA = metrics.PerProxy.Single(p => p.Id == a.Id).Window;
            perA.Requests.ShouldBe(3);
            perA.Successes.ShouldBe(1);
            perA.Failures.ShouldBe(2);
            perA.AverageLatencyMs.ShouldBe(200.0);
            var perB = metrics.PerProxy.Single(p => p.Id == b.Id).Window;
            perB.Successes.ShouldBe(1);
            perB.AverageLatencyMs.ShouldBeNull();
            metrics.PerProxy.Single(p => p.Id == a.Id).ErrorCount.ShouldBe(2);
        }

        pending.TotalRequests.ShouldBe(0, "totals come from the database");
        flushed.TotalRequests.ShouldBe(4);
        flushed.FailedRequests.ShouldBe(2);
        flushed.BlockedRequests.ShouldBe(1);

        // Outcomes leave the window after it passes.
        Clock.Advance(TimeSpan.FromMinutes(16));
        var later = await service.GetMetricsAsync();
        later.Window.Requests.ShouldBe(0);
        later.TotalRequests.ShouldBe(4);
    }

    [SkippableFact]
    public async Task GetMetricsAsync_InFlightCountsUnreportedTickets()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        await AddAsync(service, "10.0.0.1", "s1");
        await AddAsync(service, "10.0.0.2", "s2");

        var tickets = new List<SessionProxyTicket>();
        for (var i = 0; i < 3; i++)
        {
            tickets.Add((await service.NextAsync()).Value!);
        }

        var metrics = await service.GetMetricsAsync();
        metrics.InFlight.ShouldBe(3);
        metrics.PerProxy.Sum(p => p.InFlight).ShouldBe(3);
        foreach (var group in tickets.GroupBy(t => t.Proxy.Id))
        {
            metrics.PerProxy.Single(p => p.Id == group.Key).InFlight.ShouldBe(group.Count());
        }

        var first = tickets[0];
        (await service.ReportAsync(first.Proxy.Id, new SessionProxyReport { Success = true, Ticket = first.Ticket })).Value!.TicketReleased.ShouldBeTrue();
        (await service.ReportAsync(first.Proxy.Id, new SessionProxyReport { Success = true, Ticket = first.Ticket })).Value!.TicketReleased.ShouldBeFalse("a ticket frees its slot once");
        (await service.GetMetricsAsync()).InFlight.ShouldBe(2);
        first.ExpiresAt.ShouldBe(Start.AddSeconds(60));
        Clock.Advance(TimeSpan.FromSeconds(60));
        (await service.GetMetricsAsync()).InFlight.ShouldBe(0, "unreported tickets time out");
    }

    [SkippableFact]
    public async Task NextAsync_Ticket_CarriesTheEndpointAndCredentials()
    {
        var pool = await CreatePoolAsync();
        var service = Service(pool);
        var created = (await service.CreateAsync(new SessionProxyCreate { Ip = "10.0.0.1", Port = 3128, Username = "user", Password = "pass", Session = "s1" })).Value!;

        var ticket = (await service.NextAsync()).Value!;

        ticket.Proxy.ShouldBe(new SessionProxyEndpoint(created.Id, "10.0.0.1", 3128, "user", "pass"));
        ticket.Session.ShouldBeNull();
        ticket.SessionBound.ShouldBeFalse();
        ticket.State.ShouldBe(SessionProxyState.Available);
        ticket.Ticket.ShouldNotBeNullOrEmpty();
        ticket.Ticket.All(char.IsAsciiLetterOrDigit).ShouldBeTrue("the report accepts it back");
    }

    private static SessionProxyService Service(PoolHarness pool) => pool.Services.GetRequiredService<SessionProxyService>();

    private static async Task<SessionProxy> AddAsync(SessionProxyService service, string ip, string session, int port = 8080)
    {
        var created = await service.CreateAsync(new SessionProxyCreate { Ip = ip, Port = port, Session = session });
        created.Error.ShouldBeNull();
        return created.Value!;
    }

    private static Task<ProxyKitResult<SessionProxyReportResult>> Fail(SessionProxyService service, long id, string? ticket = null, double? latencyMs = null) =>
        service.ReportAsync(id, new SessionProxyReport { Success = false, Ticket = ticket, LatencyMs = latencyMs });

    private static int Detail(ProxyKitError error, string key) => (int)error.Details![key]!;
}

public sealed class SqliteSessionProxyServiceTests() : SessionProxyServiceContractTests(TestEngine.Sqlite);

public sealed class PostgresSessionProxyServiceTests() : SessionProxyServiceContractTests(TestEngine.Postgres);
