using ProxyKit.Coordination;
using StackExchange.Redis;

namespace ProxyKit.Redis.Internal;

/// <summary>
/// Events over Redis pub/sub. The host holds one pattern subscription for all ProxyKit topics and fans what
/// arrives out to local subscribers through an <see cref="InProcessEventBus"/>, so the publisher's own
/// subscribers receive its events the same way other hosts do (once, through Redis).
/// </summary>
internal sealed class RedisEventBus(RedisConnection connection, InProcessEventBus local) : IEventBus, IAsyncDisposable
{
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private ISubscriber? _subscriber;
    private RedisChannel _allTopics;

    private string ChannelPrefix => connection.KeyPrefix + "events:";

    public async ValueTask PublishAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidTopic(topic);
        ArgumentNullException.ThrowIfNull(payload);
        var multiplexer = await connection.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await multiplexer.GetSubscriber().PublishAsync(new RedisChannel(ChannelPrefix + topic, RedisChannel.PatternMode.Literal), payload)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw RedisConnection.Unavailable(ex);
        }
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(string pattern, Func<EventMessage, CancellationToken, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        CoordinationNames.ThrowIfInvalidPattern(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
        return await local.SubscribeAsync(pattern, handler, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscriber is { } subscriber)
        {
            try
            {
                await subscriber.UnsubscribeAsync(_allTopics).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection is going away with the host anyway.
            }
        }

        await local.DisposeAsync().ConfigureAwait(false);
        _subscribeGate.Dispose();
    }

    private async ValueTask EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _subscriber) is not null)
        {
            return;
        }

        await _subscribeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_subscriber is not null)
            {
                return;
            }

            var multiplexer = await connection.GetMultiplexerAsync(cancellationToken).ConfigureAwait(false);
            var subscriber = multiplexer.GetSubscriber();
            var prefix = ChannelPrefix;
            _allTopics = new RedisChannel(prefix + "*", RedisChannel.PatternMode.Pattern);
            try
            {
                await subscriber.SubscribeAsync(_allTopics, (channel, value) =>
                {
                    var name = (string?)channel;
                    if (name is not null && name.Length > prefix.Length)
                    {
                        // Handlers run on the local bus's own loops, never on the multiplexer's reader thread.
                        local.Publish(name[prefix.Length..], (string?)value ?? string.Empty);
                    }
                }).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                throw RedisConnection.Unavailable(ex);
            }

            Volatile.Write(ref _subscriber, subscriber);
        }
        finally
        {
            _subscribeGate.Release();
        }
    }
}
