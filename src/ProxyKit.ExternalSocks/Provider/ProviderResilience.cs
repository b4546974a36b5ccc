using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ProxyKit.ExternalSocks.Provider;

/// <summary>
/// One provider's resilience: a concurrency limit and one pipeline (total timeout, retry, circuit breaker, attempt
/// timeout) shared by reads and purchases, so one breaker guards the provider. Non-idempotent requests (the purchase
/// POST) are only retried when the connection could not be established, and get no attempt timeout of their own.
/// </summary>
internal sealed class ProviderResilience : IDisposable
{
    public static readonly ResiliencePropertyKey<bool> IdempotentKey = new("ProxyKit.ExternalSocks.Idempotent");
    public static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("ProxyKit.ExternalSocks.Request");

    internal const int MaxRetryAttempts = 3;
    internal static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(200);
    internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(15);
    internal static readonly TimeSpan SamplingDuration = TimeSpan.FromSeconds(30);
    internal const int MinimumThroughput = 5;
    internal const double FailureRatio = 0.5;

    private readonly string _name;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public ProviderResilience(string name, ExternalSocksProviderOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _name = name;
        _logger = logger;
        _time = time;
        Limiter = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        var total = TimeSpan.FromSeconds(options.TimeoutSeconds);
        var attempt = TimeSpan.FromSeconds(Math.Max(1, options.TimeoutSeconds / 3.0));
        Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { Name = "ProxyKit.ExternalSocks." + name, TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Name = "total", Timeout = total })
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "retry",
                MaxRetryAttempts = MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(5),
                ShouldHandle = static args => new ValueTask<bool>(ShouldRetry(args.Context, args.Outcome)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    ProviderLog.Retrying(_logger, _name, request?.Method.Method ?? "?", request?.RequestUri?.AbsolutePath ?? "?",
                        args.AttemptNumber + 1, (long)args.RetryDelay.TotalMilliseconds, Describe(args.Outcome));
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                Name = "breaker",
                FailureRatio = FailureRatio,
                MinimumThroughput = MinimumThroughput,
                SamplingDuration = SamplingDuration,
                BreakDuration = BreakDuration,
                ShouldHandle = static args => new ValueTask<bool>(IsFailure(args.Outcome)),
                OnOpened = args =>
                {
                    ProviderLog.CircuitOpened(_logger, _name, args.BreakDuration.TotalSeconds, Describe(args.Outcome));
                    return default;
                },
                OnClosed = _ =>
                {
                    ProviderLog.CircuitClosed(_logger, _name);
                    return default;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                Name = "attempt",
                TimeoutGenerator = args => new ValueTask<TimeSpan>(
                    args.Context.Properties.GetValue(IdempotentKey, false) ? attempt : Timeout.InfiniteTimeSpan),
            })
            .Build();
    }

    /// <summary>Gets the provider's pipeline.</summary>
    public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

    /// <summary>Gets the limit on concurrent requests to the provider.</summary>
    public SemaphoreSlim Limiter { get; }

    public void Dispose() => Limiter.Dispose();

    /// <summary>Whether a failed attempt is retried: reads on transient failures, purchases only when no connection was made.</summary>
    internal static bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        var idempotent = context.Properties.GetValue(IdempotentKey, false);
        return outcome.Exception switch
        {
            null => idempotent && outcome.Result is { } response && IsTransient(response.StatusCode),
            BrokenCircuitException or OperationCanceledException => false,
            HttpRequestException e when IsConnectFailure(e) => true,
            HttpRequestException or IOException or TimeoutRejectedException => idempotent,
            _ => false,
        };
    }

    /// <summary>Whether an outcome counts against the provider's health.</summary>
    internal static bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => outcome.Result is { } response && IsTransient(response.StatusCode),
        HttpRequestException or IOException or TimeoutRejectedException => true,
        _ => false,
    };

    /// <summary>Whether the connection to the provider could not be established, so the request was certainly not sent.</summary>
    internal static bool IsConnectFailure(HttpRequestException exception) =>
        exception.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError;

    internal static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response is not { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } || response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - _time.GetUtcNow() : null);
        if (delay is not { } value)
        {
            return null;
        }

        return value < TimeSpan.Zero ? TimeSpan.Zero : value > MaxRetryAfter ? MaxRetryAfter : value;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } e ? e.GetType().Name : $"HTTP {(int)(outcome.Result?.StatusCode ?? 0)}";
}
