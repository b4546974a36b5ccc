using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ProxyKit.Testing;
using ProxyKit.Testing.Storage;
using static ProxyKit.Server.Tests.Sessions.SessionProxyEndpointsTests;

namespace ProxyKit.Server.Tests.Sessions;

/// <summary>Two sample servers sharing PostgreSQL and Redis: the limits and cooldowns hold across them.</summary>
public sealed class SessionProxyTwoHostsTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServerFactory[] _hosts = [];
    private HttpClient[] _clients = [];

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(TestEngine.Postgres);

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await _database.DisposeAsync();
    }

    [SkippableFact]
    public async Task Next_100ParallelCallsOverTwoHosts_InFlightCapAndHourlyLimitHold()
    {
        StartHosts(hourlyLimit: 5);
        await CreateAsync(_clients[0], "10.0.0.1", "c1");
        await CreateAsync(_clients[1], "10.0.0.2", "c2");

        // Round 1: the in-flight cap (2 proxies × 3) binds, whichever host answers.
        var first = await NextManyAsync();
        first.Count.ShouldBe(6);
        first.GroupBy(t => t.ProxyId).ShouldAllBe(g => g.Count() == 3);

        // Reported on the other host: the slots free everywhere.
        foreach (var (ticket, index) in first.Select((t, i) => (t, i)))
        {
            using var report = await _clients[(index + 1) % 2].PostAsJsonAsync($"/api/proxies/{ticket.ProxyId}/report", new { success = true, latency_ms = 10, ticket = ticket.Ticket });
            (await report.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket_released").GetBoolean().ShouldBeTrue();
        }

        // Round 2: each proxy has 2 of its 5 hourly requests left, across both hosts.
        var second = await NextManyAsync();
        second.Count.ShouldBe(4);
        second.GroupBy(t => t.ProxyId).ShouldAllBe(g => g.Count() == 2);
        foreach (var ticket in second)
        {
            using var _ = await _clients[0].PostAsJsonAsync($"/api/proxies/{ticket.ProxyId}/report", new { success = true, latency_ms = 10, ticket = ticket.Ticket });
        }

        using var spent = await _clients[1].PostAsync("/api/proxies/next", null);
        (await ShouldBeErrorAsync(spent, HttpStatusCode.ServiceUnavailable, "no_proxy_available")).GetProperty("rate_limited").GetInt32().ShouldBe(2);
    }

    [SkippableFact]
    public async Task Report_FailuresSpreadOverTwoHosts_CoolTheProxyDownOnBoth()
    {
        StartHosts(hourlyLimit: 10_000);
        var failing = await CreateAsync(_clients[0], "10.0.0.1", "c1");
        var healthy = await CreateAsync(_clients[0], "10.0.0.2", "c2");

        // Both hosts have loaded their view before the failures.
        foreach (var client in _clients)
        {
            using var warm = await client.PostAsync("/api/proxies/next", null);
            warm.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var started = new List<bool>();
        foreach (var host in new[] { 0, 1, 0 })
        {
            using var report = await _clients[host].PostAsJsonAsync($"/api/proxies/{failing}/report", new { success = false, latency_ms = 3000 });
            started.Add((await report.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cooldown_started").GetBoolean());
        }

        started.ShouldBe([false, false, true], "consecutive errors add up in the database whichever host records them");

        // The other host hears of it on the event bus: it stops handing the proxy out.
        await EventuallyAsync(async () =>
        {
            var ids = new List<long>();
            for (var i = 0; i < 10; i++)
            {
                using var next = await _clients[1].PostAsync("/api/proxies/next", null);
                var ticket = await next.Content.ReadFromJsonAsync<JsonElement>();
                var id = ticket.GetProperty("proxy").GetProperty("id").GetInt64();
                ids.Add(id);
                using var _ = await _clients[1].PostAsJsonAsync($"/api/proxies/{id}/report", new { success = true, latency_ms = 10, ticket = ticket.GetProperty("ticket").GetString() });
            }

            return ids.All(id => id == healthy) ? default(JsonElement) : null;
        });
    }

    private void StartHosts(int hourlyLimit)
    {
        var redis = TestEnvironment.RequireRedis();
        var prefix = $"test:{Guid.NewGuid():N}:";
        _hosts = [.. Enumerable.Range(0, 2).Select(_ => new ServerFactory()
            .With("ProxyKit:Postgres:ConnectionString", _database.ConnectionString)
            .With("ProxyKit:Redis:Configuration", redis)
            .With("ProxyKit:Redis:KeyPrefix", prefix)
            .With("ProxyKit:Pool:Sessions:MaxInFlight", "3")
            .With("ProxyKit:Pool:Sessions:HourlyRequestLimit", hourlyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With("ProxyKit:Pool:Sessions:ErrorThreshold", "3"))];
        _clients = [.. _hosts.Select(h => h.CreateClient())];
    }

    private async Task<List<(long ProxyId, string Ticket)>> NextManyAsync()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => _clients[i % 2].PostAsync("/api/proxies/next", null)));
        var tickets = new List<(long, string)>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                tickets.Add((body.GetProperty("proxy").GetProperty("id").GetInt64(), body.GetProperty("ticket").GetString()!));
            }
            else
            {
                response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            }

            response.Dispose();
        }

        return tickets;
    }

    private static async Task<long> CreateAsync(HttpClient client, string ip, string session)
    {
        using var created = await client.PostAsJsonAsync("/api/proxies", new { ip, port = 8080, session });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }
}
