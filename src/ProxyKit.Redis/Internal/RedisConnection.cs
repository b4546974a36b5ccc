using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>The one multiplexer a host shares; connected lazily, reconnecting by itself after outages.</summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private ConnectionMultiplexer? _multiplexer;

    public RedisConnection(IOptions<RedisCoordinationOptions> options)
    {
        var value = options.Value;
        _configuration = Parse(value.Configuration, out var error) ?? throw new ProxyKitException(error!);
        KeyPrefix = value.KeyPrefix;
    }

    public string KeyPrefix { get; }

    /// <summary>
    /// Gets how long start-up work (the first PING, the event subscription) keeps retrying while the multiplexer is
    /// still establishing its connections: three connect timeouts.
    /// </summary>
    /// <remarks>
    /// With <c>AbortOnConnectFail</c> off, <c>ConnectAsync</c> returns even when a first handshake missed the connect
    /// timeout (a loaded machine does) and the multiplexer retries on its heartbeat; failing on that first miss would
    /// fail a start that succeeds a second later.
    /// </remarks>
    public TimeSpan EstablishTimeout => TimeSpan.FromMilliseconds(3 * (long)_configuration.ConnectTimeout);

    public async ValueTask<ConnectionMultiplexer> GetMultiplexerAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _multiplexer) is { } existing)
        {
            return existing;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_multiplexer is null)
            {
                try
                {
                    Volatile.Write(ref _multiplexer, await ConnectionMultiplexer.ConnectAsync(_configuration.Clone()).ConfigureAwait(false));
                }
                catch (RedisException ex)
                {
                    throw Unavailable(ex);
                }
            }

            return _multiplexer;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    public async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken) =>
        (await GetMultiplexerAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    /// <summary>
    /// Runs <paramref name="attempt"/>, retrying connection failures every 250 ms for up to <see cref="EstablishTimeout"/>;
    /// the last failure surfaces as <see cref="Unavailable"/>.
    /// </summary>
    public async Task RetryWhileEstablishingAsync(
        Func<ConnectionMultiplexer, CancellationToken, Task> attempt, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        while (true)
        {
            var multiplexer = await GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await attempt(multiplexer, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (ex is not RedisConnectionException || timeProvider.GetElapsedTime(started) >= EstablishTimeout)
                {
                    throw Unavailable(ex);
                }
            }

            await Task.Delay(RetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    public static ProxyKitException Unavailable(Exception ex) =>
        new($"Redis configured by {RedisCoordinationOptions.ConfigurationSetting} is unavailable: {ex.Message}", ex, isTransient: true);

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            await multiplexer.CloseAsync().ConfigureAwait(false);
            multiplexer.Dispose();
        }

        _connectGate.Dispose();
    }

    internal static ConfigurationOptions? Parse(string? configuration, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(configuration))
        {
            error = $"{RedisCoordinationOptions.ConfigurationSetting} is required when Redis is used (e.g. '127.0.0.1:6379').";
            return null;
        }

        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            if (options.EndPoints.Count == 0)
            {
                error = $"{RedisCoordinationOptions.ConfigurationSetting} names no endpoint (expected host:port).";
                return null;
            }

            // Keep reconnecting in the background after an outage instead of failing the multiplexer for good.
            options.AbortOnConnectFail = false;
            options.ClientName ??= "proxykit";
            return options;
        }
        catch (ArgumentException ex)
        {
            error = $"{RedisCoordinationOptions.ConfigurationSetting} is not a valid Redis configuration string: {ex.Message}";
            return null;
        }
    }
}
