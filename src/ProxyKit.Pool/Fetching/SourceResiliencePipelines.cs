using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ProxyKit.Pool.Fetching;

/// <summary>
/// One resilience pipeline per upstream (scheme, host and port): total timeout → retry → circuit breaker → attempt timeout.
/// A singleton, so breaker state outlives the HTTP handlers IHttpClientFactory rotates.
/// </summary>
internal sealed class SourceResiliencePipelines
{
    /// <summary>Above this many tracked upstreams, those whose circuit is closed are forgotten (their failure counts are lost).</summary>
    internal const int MaxTrackedUpstreams = 1024;

    /// <summary>The redacted URL of the request being executed, for logs.</summary>
    internal static readonly ResiliencePropertyKey<string> DisplayUrl = new("ProxyKit.Pool.Fetching.DisplayUrl");

    private readonly ConcurrentDictionary<string, Upstream> _upstreams = new(StringComparer.Ordinal);
    private readonly SourceFetchOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public SourceResiliencePipelines(IOptions<PoolOptions> options, TimeProvider timeProvider, ILogger<SourceFetcher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Fetch;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Gets how many upstreams have a pipeline.</summary>
    internal int Count => _upstreams.Count;

    /// <summary>Gets the key one circuit breaker is kept under: <c>scheme://host:port</c> (the port always present).</summary>
    public static string UpstreamKey(Uri url) => url.HostNameType == UriHostNameType.IPv6
        ? string.Create(CultureInfo.InvariantCulture, $"{url.Scheme}://[{url.IdnHost}]:{url.Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{url.Scheme}://{url.IdnHost}:{url.Port}");

    /// <summary>Gets the pipeline for the upstream of <paramref name="url"/>, creating it on first use.</summary>
    public ResiliencePipeline<HttpResponseMessage> For(Uri url)
    {
        var key = UpstreamKey(url);
        if (_upstreams.TryGetValue(key, out var upstream))
        {
            return upstream.Pipeline;
        }

        if (_upstreams.Count >= MaxTrackedUpstreams)
        {
            ForgetClosedCircuits();
        }

        return _upstreams.GetOrAdd(key, static (key, self) => self.Create(key), this).Pipeline;
    }

    /// <summary>Gets whether an outcome is a failure worth retrying and counting against the host's circuit.</summary>
    internal static bool IsTransientFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException http } => !FetchErrors.IsRefusal(http),
        { Exception: TimeoutRejectedException } => true,
        { Exception: null, Result: { } response } => SourceFetchException.IsTransientStatus((int)response.StatusCode),
        _ => false,
    };

    private static string Describe(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => "no answer within ProxyKit:Pool:Fetch:AttemptTimeout",
        { Exception: HttpRequestException http } => FetchErrors.Describe(http),
        { Exception: { } other } => other.GetType().Name,
        { Result: { } response } => string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}"),
        _ => "an unknown outcome",
    };

    private void ForgetClosedCircuits()
    {
        var forgotten = 0;
        foreach (var (key, upstream) in _upstreams)
        {
            if (upstream.State.CircuitState == CircuitState.Closed && _upstreams.TryRemove(key, out _))
            {
                forgotten++;
            }
        }

        FetchLog.UpstreamsTrimmed(_logger, forgotten, MaxTrackedUpstreams);
    }

    private Upstream Create(string key)
    {
        var options = _options;
        var logger = _logger;
        var state = new CircuitBreakerStateProvider();
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _timeProvider, Name = "ProxyKit.Pool.Fetching", InstanceName = key };

        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.TotalTimeout, Name = "Total" });
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "Retry",
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = static args => ValueTask.FromResult(IsTransientFailure(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome)),
                OnRetry = args =>
                {
                    FetchLog.Retrying(
                        logger,
                        args.Context.Properties.GetValue(DisplayUrl, key),
                        args.AttemptNumber + 1,
                        options.MaxRetries,
                        (long)args.RetryDelay.TotalMilliseconds,
                        Describe(args.Outcome));
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            Name = "CircuitBreaker",
            FailureRatio = options.BreakerFailureRatio,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = options.BreakerSamplingDuration,
            BreakDuration = options.BreakDuration,
            StateProvider = state,
            ShouldHandle = static args => ValueTask.FromResult(IsTransientFailure(args.Outcome)),
            OnOpened = args =>
            {
                FetchLog.CircuitOpened(logger, key, args.BreakDuration, Describe(args.Outcome));
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                FetchLog.CircuitHalfOpened(logger, key);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                FetchLog.CircuitClosed(logger, key);
                return ValueTask.CompletedTask;
            },
        });

        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout, Name = "Attempt" });
        return new Upstream(builder.Build(), state);
    }

    // A source's Retry-After (seconds or a date) replaces the back-off, capped at MaxRetryDelay.
    private TimeSpan? RetryAfter(Outcome<HttpResponseMessage> outcome)
    {
        var header = outcome.Result?.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - _timeProvider.GetUtcNow() : null);
        return delay is { } wait ? TimeSpan.FromTicks(Math.Clamp(wait.Ticks, 0, _options.MaxRetryDelay.Ticks)) : null;
    }

    private sealed record Upstream(ResiliencePipeline<HttpResponseMessage> Pipeline, CircuitBreakerStateProvider State);
}
