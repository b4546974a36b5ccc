using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>The one multiplexer a host shares; connected lazily, reconnecting by itself after outages.</summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private ConnectionMultiplexer? _multiplexer;

    public RedisConnection(IOptions<RedisCoordinationOptions> options)
    {
        var value = options.Value;
        _configuration = Parse(value.Configuration, out var error) ?? throw new ProxyKitException(error!);
        KeyPrefix = value.KeyPrefix;
    }

    public string KeyPrefix { get; }

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
