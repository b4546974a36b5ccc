namespace ProxyKit.Pool.Fetching;

/// <summary>
/// How proxy sources are downloaded (section <c>ProxyKit:Pool:Fetch</c>): timeouts, retries, a circuit breaker per
/// upstream host, the response size cap and the guard against fetching internal addresses.
/// </summary>
public sealed class SourceFetchOptions
{
    /// <summary>
    /// Gets or sets how long one attempt may take until the response headers arrive (connect, TLS, request, headers);
    /// an attempt that outlasts it is cancelled and retried. Defaults to 30 seconds. Allowed: 10 ms – 1 hour.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a whole fetch may take — every attempt, the delays between them and reading the body,
    /// counted from the start of the fetch. A consumer that reads the body slowly uses up this budget too. Defaults to
    /// 90 seconds. Allowed: 10 ms – 1 day, and not less than <see cref="AttemptTimeout"/>.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Gets or sets how many times a failed attempt is retried (network errors, attempt timeouts, HTTP 5xx, 408 and 429),
    /// with exponential back-off and jitter. Defaults to 2. Allowed: 0 – 10.
    /// </summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Gets or sets the median delay before the first retry; later retries wait exponentially longer. Defaults to 1 second. Allowed: 0 – 1 minute.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the longest wait before a retry, both for the back-off and for a source's <c>Retry-After</c> header
    /// (which is honoured up to this cap). Defaults to 30 seconds. Allowed: <see cref="RetryBaseDelay"/> – 1 hour.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the largest body accepted, counted after decompression (so a compression bomb is stopped too).
    /// A larger Content-Length is refused before the body is read; a body that grows past it while streaming fails
    /// with <see cref="SourceFetchFailure.TooLarge"/>. The body is never buffered whole. Defaults to 50 MiB. Must be positive.
    /// </summary>
    public long MaxResponseBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Gets or sets the share of failed attempts (network errors, attempt timeouts, HTTP 5xx, 408, 429) within
    /// <see cref="BreakerSamplingDuration"/> that opens a host's circuit. Defaults to 0.5. Allowed: greater than 0, up to 1.
    /// </summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets how many attempts to a host must happen within <see cref="BreakerSamplingDuration"/> before its circuit may open. Defaults to 5. Allowed: 2 – 10,000.</summary>
    public int BreakerMinimumThroughput { get; set; } = 5;

    /// <summary>Gets or sets the window over which a host's failure ratio is measured. Defaults to 60 seconds. Allowed: 1 second – 1 day.</summary>
    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how long an open circuit stays open: fetches from that host fail at once with
    /// <see cref="SourceFetchFailure.CircuitOpen"/>, then one fetch is let through to probe it. Defaults to 60 seconds.
    /// Allowed: 1 second – 1 day.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the User-Agent sent to sources. Defaults to <c>ProxyKit/&lt;version&gt; (+https://github.com/proxykit)</c>.
    /// Must be a valid User-Agent header value.
    /// </summary>
    public string UserAgent { get; set; } = DefaultUserAgent;

    /// <summary>
    /// Gets or sets whether sources may point at loopback, private (RFC 1918), link-local, unique-local (fc00::/7),
    /// carrier-grade NAT (100.64.0.0/10), multicast, unspecified or reserved addresses. Defaults to <see langword="false"/>.
    /// </summary>
    /// <remarks>
    /// Security: any API user who may add a source can make the server fetch a URL of their choosing. With this off,
    /// the address actually connected to — after DNS resolution, on every connection including redirects — must be a
    /// public one, so neither a hostname resolving to an internal address nor DNS rebinding reaches internal services
    /// (cloud metadata endpoints, databases, admin UIs). Turn it on only when every user who can add sources is trusted.
    /// </remarks>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Gets the default <see cref="UserAgent"/>.</summary>
    public static string DefaultUserAgent { get; } =
        $"ProxyKit/{typeof(SourceFetchOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"} (+https://github.com/proxykit)";
}
