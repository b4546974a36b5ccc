using System.Globalization;
using System.Net;
using System.Net.Http;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProxyKit.Pool.Fetching;

namespace ProxyKit.Pool.Notifications;

/// <summary>
/// The built-in <c>webhook</c> notifier: POSTs each event to every configured webhook (<see cref="NotificationOptions.Webhooks"/>)
/// whose subscriptions match, signed with its secret, retrying 5xx, 408, 429 and network errors with exponential back-off and
/// jitter. It is healthy while no webhook's last <see cref="UnhealthyAfter"/> deliveries all failed.
/// </summary>
internal sealed class WebhookNotifier : IPoolNotifier
{
    /// <summary>Consecutive failed deliveries (each after all its attempts) that make a webhook unhealthy.</summary>
    public const int UnhealthyAfter = 3;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    private readonly Endpoint[] _endpoints;
    private readonly IHttpClientFactory _clients;
    private readonly ITypedHttpClientFactory<WebhookSender> _senders;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public WebhookNotifier(
        IOptions<PoolOptions> options, IHttpClientFactory clients, ITypedHttpClientFactory<WebhookSender> senders, TimeProvider timeProvider, ILogger<WebhookNotifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _clients = clients ?? throw new ArgumentNullException(nameof(clients));
        _senders = senders ?? throw new ArgumentNullException(nameof(senders));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _endpoints = [.. options.Value.Notifications.Webhooks.Select(h => new Endpoint(h))];
        Subscriptions = [.. _endpoints.SelectMany(e => e.Subscriptions).Distinct(StringComparer.Ordinal)];
    }

    public string Name => "webhook";

    public IReadOnlyList<string> Subscriptions { get; }

    public bool IsHealthy => _endpoints.All(e => e.IsHealthy);

    /// <summary>Gets whether the webhook named <paramref name="name"/> is healthy.</summary>
    public bool IsWebhookHealthy(string name) => _endpoints.Single(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase)).IsHealthy;

    public async ValueTask NotifyAsync(PoolEvent poolEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poolEvent);
        var targets = _endpoints.Where(e => EventPatterns.MatchesAny(e.Subscriptions, poolEvent.Type)).ToList();
        if (targets.Count == 0)
        {
            return;
        }

        var body = PoolEventJson.Serialize(poolEvent);
        await Task.WhenAll(targets.Select(e => DeliverAsync(e, poolEvent, body, cancellationToken))).ConfigureAwait(false);
    }

    private async Task DeliverAsync(Endpoint endpoint, PoolEvent poolEvent, byte[] body, CancellationToken cancellationToken)
    {
        var signature = WebhookSender.Sign(endpoint.Options.Secret, body);
        var deliveryId = Guid.CreateVersion7(_timeProvider.GetUtcNow()).ToString();
        var maxAttempts = endpoint.Options.MaxAttempts;
        string reason = "no attempt";
        var attempt = 0;
        while (++attempt <= maxAttempts)
        {
            bool retryable;
            using (var timeout = new CancellationTokenSource(endpoint.Options.Timeout, _timeProvider))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    var sender = _senders.CreateClient(_clients.CreateClient(WebhookSender.HttpClientName));
                    var status = await sender.PostAsync(endpoint.Options.Url!, body, signature, poolEvent.Type, deliveryId, linked.Token).ConfigureAwait(false);
                    var code = (int)status;
                    if (code is >= 200 and < 300)
                    {
                        NotificationLog.WebhookDelivered(_logger, endpoint.Name, endpoint.DisplayUrl, poolEvent.Type, poolEvent.Id, deliveryId, attempt);
                        endpoint.Succeeded(_logger);
                        return;
                    }

                    reason = "HTTP " + code.ToString(CultureInfo.InvariantCulture);
                    retryable = code >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    reason = $"no answer within {endpoint.Options.Timeout}";
                    retryable = true;
                }
                catch (HttpRequestException ex)
                {
                    // The message names the host and the socket error, never the URL's query or user information.
                    reason = ex.HttpRequestError is HttpRequestError.Unknown ? "network error" : "network error: " + ex.HttpRequestError;
                    retryable = true;
                }
            }

            if (!retryable || attempt == maxAttempts)
            {
                break;
            }

            var delay = RetryDelay(endpoint.Options.RetryBaseDelay, attempt);
            NotificationLog.WebhookRetrying(_logger, endpoint.Name, endpoint.DisplayUrl, attempt, maxAttempts, poolEvent.Id, reason, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }

        NotificationLog.WebhookFailed(_logger, endpoint.Name, endpoint.DisplayUrl, poolEvent.Type, poolEvent.Id, Math.Min(attempt, maxAttempts), reason);
        endpoint.Failed(_logger);
    }

    /// <summary>The delay before retry <paramref name="attempt"/> (1-based): base * 2^(attempt-1), plus up to 50% jitter, capped at one minute.</summary>
    internal static TimeSpan RetryDelay(TimeSpan baseDelay, int attempt)
    {
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
#pragma warning disable CA5394 // jitter needs no cryptographic randomness
        var jittered = exponential * (1 + (Random.Shared.NextDouble() * 0.5));
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(Math.Min(jittered, MaxRetryDelay.TotalMilliseconds));
    }

    private sealed class Endpoint(WebhookOptions options)
    {
        private int _consecutiveFailures;

        public WebhookOptions Options { get; } = options;

        public string Name => Options.Name;

        public string DisplayUrl { get; } = options.Url is null ? "(no URL)" : UrlRedaction.ForDisplay(options.Url);

        public IReadOnlyList<string> Subscriptions { get; } = [.. options.Subscriptions];

        public bool IsHealthy => Volatile.Read(ref _consecutiveFailures) < UnhealthyAfter;

        public void Succeeded(ILogger logger)
        {
            if (Interlocked.Exchange(ref _consecutiveFailures, 0) >= UnhealthyAfter)
            {
                NotificationLog.WebhookRecovered(logger, Name, DisplayUrl);
            }
        }

        public void Failed(ILogger logger)
        {
            if (Interlocked.Increment(ref _consecutiveFailures) == UnhealthyAfter)
            {
                NotificationLog.WebhookUnhealthy(logger, Name, DisplayUrl, UnhealthyAfter);
            }
        }
    }
}
