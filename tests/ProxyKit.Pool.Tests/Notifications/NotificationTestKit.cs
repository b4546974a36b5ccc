using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ProxyKit.Pool.Notifications;

namespace ProxyKit.Pool.Tests.Notifications;

/// <summary>A notifier that records what it receives; optionally slow (until released) or throwing.</summary>
internal sealed class RecordingNotifier(string name, params string[] subscriptions) : IPoolNotifier
{
    private readonly ConcurrentQueue<PoolEvent> _received = new();

    public string Name => name;

    public IReadOnlyList<string> Subscriptions => subscriptions;

    public bool IsHealthy => true;

    public IReadOnlyList<PoolEvent> Received => [.. _received];

    /// <summary>Gets or sets a gate every delivery waits on before recording (a slow notifier).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Gets or sets whether deliveries throw (after recording).</summary>
    public bool Throws { get; set; }

    public async ValueTask NotifyAsync(PoolEvent poolEvent, CancellationToken cancellationToken)
    {
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        _received.Enqueue(poolEvent);
        if (Throws)
        {
            throw new InvalidOperationException("notifier broke");
        }
    }
}

/// <summary>An <see cref="IPoolEvents"/> that records what is published.</summary>
internal sealed class RecordingPoolEvents : IPoolEvents
{
    private readonly ConcurrentQueue<(string Type, IReadOnlyDictionary<string, object?> Data)> _published = new();

    public IReadOnlyList<(string Type, IReadOnlyDictionary<string, object?> Data)> Published => [.. _published];

    public ValueTask PublishAsync(string type, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default)
    {
        _published.Enqueue((type, data));
        return ValueTask.CompletedTask;
    }
}

internal static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds (polling), failing after <paramref name="seconds"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, string because, double seconds = 10)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new ShouldAssertException($"Timed out after {seconds} s waiting until {because}.");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>A webhook receiver on 127.0.0.1 (HttpListener): records each request with its body and answers with scripted status codes (then 200).</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _script;
    private readonly ConcurrentQueue<ReceivedWebhook> _requests = new();
    private readonly Task _loop;

    private WebhookReceiver(IEnumerable<int> statuses, int fallback)
    {
        _script = new ConcurrentQueue<int>(statuses);
        Fallback = fallback;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = ServeAsync();
    }

    public int Port { get; }

    /// <summary>Gets or sets the status answered once the script is used up.</summary>
    public int Fallback { get; set; }

    public IReadOnlyList<ReceivedWebhook> Requests => [.. _requests];

    public Uri Url => new($"http://127.0.0.1:{Port}/hooks/pool?token=query-token-value");

    public static WebhookReceiver Start(params int[] statuses) => new(statuses, 200);

    public static WebhookReceiver Always(int status) => new([], status);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            _requests.Enqueue(new ReceivedWebhook(context.Request.HttpMethod, context.Request.RawUrl ?? string.Empty, headers, body.ToArray()));
            context.Response.StatusCode = _script.TryDequeue(out var status) ? status : Fallback;
            context.Response.Close();
        }
    }
}

internal sealed record ReceivedWebhook(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}
