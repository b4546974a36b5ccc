using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;

namespace ProxyKit.Server.ProxyInstances;

/// <summary>Options of <c>GET /api/proxy/{id}/test</c> (section <c>ProxyKit:InstanceTest</c>).</summary>
internal sealed class InstanceTestOptions
{
    public const string SectionName = "ProxyKit:InstanceTest";

    /// <summary>
    /// Gets or sets the echo URL fetched through the instance; it must answer with the caller's address, as plain text or
    /// as JSON <c>{"ip": "..."}</c> (this server's <c>/api/echo/ip</c> does). It must be reachable over IPv6 from the
    /// instance's address. Defaults to none: the test then reports that it is not configured.
    /// </summary>
    public Uri? EchoUrl { get; set; }

    /// <summary>Gets or sets the time allowed for the whole test. Defaults to 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Fetches the echo URL through an instance and compares the address the echo saw with the instance's address.</summary>
internal sealed class InstanceTester(IOptions<InstanceTestOptions> options, TimeProvider timeProvider)
{
    public async Task<Dictionary<string, object?>> TestAsync(RelayInstance instance, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, object?>
        {
            ["instance_id"] = instance.Id,
            ["expected_ip"] = instance.Address.ToString(),
        };
        if (options.Value.EchoUrl is not { } echo)
        {
            result["success"] = false;
            result["error"] = $"No echo URL is configured ({InstanceTestOptions.SectionName}:EchoUrl).";
            return result;
        }

        var proxy = instance.Socks5EndPoint is { } socks ? $"socks5://{socks}" : $"http://{instance.HttpEndPoint}";
        using var handler = new SocketsHttpHandler { Proxy = new WebProxy(proxy), UseProxy = true, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = new CancellationTokenSource(options.Value.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var body = (await client.GetStringAsync(echo, linked.Token)).Trim();
            var seen = ParseAddress(body);
            result["latency_ms"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);
            result["egress_ip"] = seen?.ToString();
            result["success"] = seen is not null && seen.Equals(instance.Address);
            if (seen is null)
            {
                result["error"] = "The echo answer holds no IP address.";
            }
            else if (!seen.Equals(instance.Address))
            {
                result["error"] = "The echo saw another source address than the instance's.";
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            result["success"] = false;
            result["latency_ms"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);
            result["error"] = deadline.IsCancellationRequested ? "The echo did not answer in time." : ex.Message;
        }

        return result;
    }

    private static IPAddress? ParseAddress(string body)
    {
        if (body.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                body = json.RootElement.TryGetProperty("ip", out var ip) ? ip.GetString() ?? string.Empty : string.Empty;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return IPAddress.TryParse(body, out var address) ? address : null;
    }
}
